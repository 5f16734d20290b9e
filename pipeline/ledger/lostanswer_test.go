package ledger

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// lossyKV applies every update but loses the answer of the ones it is told
// to, as a timeout under load or a cancelled renewal does.
type lossyKV struct {
	jetstream.KeyValue
	lose atomic.Int32
}

func (k *lossyKV) Update(ctx context.Context, key string, value []byte, last uint64) (uint64, error) {
	rev, err := k.KeyValue.Update(ctx, key, value, last)
	if err == nil && k.lose.Add(-1) >= 0 {
		return 0, context.DeadlineExceeded
	}
	return rev, err
}

// TestClaimSurvivesALostAnswer: a claim write applied by the server whose
// answer was lost is recognised, so the claim's next write (the outcome)
// uses the right revision instead of failing with "wrong last sequence".
func TestClaimSurvivesALostAnswer(t *testing.T) {
	ctx := context.Background()
	js := startJetStream(t)
	kv, err := openBucket(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	lossy := &lossyKV{KeyValue: kv}
	l := New(lossy, WithOwner("w1"))
	claim, done, err := l.begin(ctx, "promo.lost.campaign")
	if err != nil || done != nil {
		t.Fatalf("begin: %v, %v", done, err)
	}
	lossy.lose.Store(1) // the next update (a renewal) is applied, its answer lost
	rec := claim.current()
	rec.HeartbeatAt = time.Now()
	if err := claim.write(ctx, rec, "renew claim on"); err != nil {
		t.Fatalf("a write applied with its answer lost was reported as failed: %v", err)
	}
	if err := claim.Done(ctx, Outcome{CampaignID: "c_1"}); err != nil {
		t.Fatalf("the outcome after a lost answer: %v", err)
	}
	got, err := l.Show(ctx, "promo.lost.campaign")
	if err != nil || got.Record.State != StateDone || got.Record.Outcome.CampaignID != "c_1" {
		t.Fatalf("ledger entry %+v, %v", got, err)
	}
	// A write that really lost (another writer came in between) is still
	// an error.
	if _, err := kv.Put(ctx, "promo.lost.campaign", []byte(`{"state":"done"}`)); err != nil {
		t.Fatal(err)
	}
	if err := claim.write(ctx, rec, "renew claim on"); err == nil || !isWrongRevision(errors.Unwrap(err)) {
		t.Fatalf("a write over another writer's: %v", err)
	}
}
