package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// tickClaim is the value of a tick.<job>.<unix> key.
type tickClaim struct {
	Replica   string    `json:"replica"`
	ClaimedAt time.Time `json:"claimed_at"`
	CatchUp   bool      `json:"catch_up,omitempty"`
}

// claimTick creates tick.<job>.<unix> if absent. It returns false (and no
// error) when another replica (or an earlier attempt) already claimed it: the
// KV create is the single point that makes a tick run at most once, whatever
// the lease or the clocks say.
// ttl > 0 sets a per-key TTL (the bucket must allow it: LimitMarkerTTL).
func claimTick(ctx context.Context, kv jetstream.KeyValue, jobID string, at time.Time, c tickClaim, ttl time.Duration) (bool, error) {
	b, _ := json.Marshal(c)
	var opts []jetstream.KVCreateOpt
	if ttl > 0 {
		opts = append(opts, jetstream.KeyTTL(ttl))
	}
	_, err := kv.Create(ctx, tickKey(jobID, at), b, opts...)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists):
		return false, nil
	}
	return false, fmt.Errorf("scheduler: claim tick %s of job %s in KV %s: %w", at.UTC().Format(time.RFC3339), jobID, kv.Bucket(), err)
}

// readLast returns the latest claimed tick of a job (zero if none).
func readLast(ctx context.Context, kv jetstream.KeyValue, jobID string) (time.Time, uint64, error) {
	e, err := kv.Get(ctx, lastKey(jobID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return time.Time{}, 0, nil
	}
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("scheduler: read %s in KV %s: %w", lastKey(jobID), kv.Bucket(), err)
	}
	n, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return time.Time{}, e.Revision(), fmt.Errorf("scheduler: %s in KV %s holds %q, want unix seconds", lastKey(jobID), kv.Bucket(), e.Value())
	}
	return time.Unix(n, 0).UTC(), e.Revision(), nil
}

// advanceLast moves last.<job> forward to at (never backwards), with
// compare-and-set so concurrent writers keep the maximum.
func advanceLast(ctx context.Context, kv jetstream.KeyValue, jobID string, at time.Time) error {
	val := []byte(strconv.FormatInt(at.Unix(), 10))
	for range 5 {
		last, rev, err := readLast(ctx, kv, jobID)
		if err != nil && rev == 0 {
			return err
		}
		if err == nil && !last.Before(at) {
			return nil
		}
		if rev == 0 {
			_, err = kv.Create(ctx, lastKey(jobID), val)
		} else {
			_, err = kv.Update(ctx, lastKey(jobID), val, rev)
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("scheduler: could not advance %s in KV %s to %d after 5 compare-and-set attempts", lastKey(jobID), kv.Bucket(), at.Unix())
}
