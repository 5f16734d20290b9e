package kvscan_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/pipeline/internal/kvscan"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }

// TestEachReadsTheLatestValues: every key matching the filters is read once,
// with its latest value; deleted and purged keys and keys outside the
// filters are not; an empty match ends at once.
func TestEachReadsTheLatestValues(t *testing.T) {
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "scan"})
	if err != nil {
		t.Fatal(err)
	}
	for _, kvp := range [][2]string{{"run.a", "1"}, {"run.b", "1"}, {"run.a", "2"}, {"run.c", "1"}, {"run.d", "1"}, {"other.x", "1"}} {
		if _, err := kv.PutString(ctx, kvp[0], kvp[1]); err != nil {
			t.Fatal(err)
		}
	}
	_ = kv.Delete(ctx, "run.c")
	_ = kv.Purge(ctx, "run.d")
	var got []string
	if err := kvscan.Each(ctx, kv, []string{"run.>"}, 10*time.Second, func(e jetstream.KeyValueEntry) {
		got = append(got, e.Key()+"="+string(e.Value()))
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"run.a=2", "run.b=1"}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	n := 0
	if err := kvscan.Each(ctx, kv, []string{"none.>"}, 10*time.Second, func(jetstream.KeyValueEntry) { n++ }); err != nil || n != 0 {
		t.Fatalf("an empty match read %d entries, %v", n, err)
	}
}
