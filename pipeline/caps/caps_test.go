package caps_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }

func bucket(t testing.TB) (jetstream.KeyValue, jetstream.Stream) {
	t.Helper()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: caps.Bucket, LimitMarkerTTL: caps.MarkerTTL})
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, "KV_"+caps.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	return kv, st
}

// TestCounter: a run's sends count once however often they are recorded,
// not against the run itself, and only within the window asked for; keys
// hold encoded ids and carry the cap's TTL.
func TestCounter(t *testing.T) {
	kv, st := bucket(t)
	c := caps.New(kv)
	ctx := context.Background()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a, b := "+27821234567", "+27821234568"
	for range 3 {
		if err := c.Record(ctx, "promo.bf=2E2026.run.now", "bf.2026", []string{a, b}, day, 7*24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Record(ctx, "promo.x.run.1796115600", "x", []string{a}, day.Add(48*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		since, until time.Time
		except       string
		want         caps.Counts
	}{
		{"both runs", day.Add(-time.Hour), day.Add(72 * time.Hour), "", caps.Counts{a: 2, b: 1}},
		{"not the run itself", day.Add(-time.Hour), day.Add(72 * time.Hour), "promo.bf=2E2026.run.now", caps.Counts{a: 1}},
		{"only the first day", day, day.Add(24 * time.Hour), "", caps.Counts{a: 1, b: 1}},
		{"before anything", day.Add(-48 * time.Hour), day.Add(-time.Hour), "", caps.Counts{}},
	} {
		got, err := c.Recent(ctx, tc.since, tc.until, tc.except)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tc.want) || got[a] != tc.want[a] || got[b] != tc.want[b] {
			t.Errorf("%s: counts %v, want %v", tc.name, got, tc.want)
		}
	}
	key := caps.Key(a, "promo.bf=2E2026.run.now")
	if key != "=2B27821234567.promo=2Ebf=3D2E2026=2Erun=2Enow" {
		t.Fatalf("key %q", key)
	}
	msg, err := st.GetLastMsgForSubject(ctx, "$KV."+caps.Bucket+"."+key)
	if err != nil {
		t.Fatal(err)
	}
	if ttl := msg.Header.Get("Nats-TTL"); ttl != "168h0m0s" && ttl != "604800" && ttl != "604800s" {
		t.Fatalf("counter %s has TTL %q, want 7 days (%v)", key, ttl, msg.Header)
	}
}
