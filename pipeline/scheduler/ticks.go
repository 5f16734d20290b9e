package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Tick claim states.
const (
	TickClaimed = "claimed" // a replica is running the tick until Expires (renewed while it runs)
	TickDone    = "done"    // the tick ran
)

// tickClaim is the value of a tick.<job>.<unix> key.
type tickClaim struct {
	Replica   string    `json:"replica"`
	State     string    `json:"state,omitempty"` // TickClaimed or TickDone; "" (older versions) counts as done
	ClaimedAt time.Time `json:"claimed_at"`
	// Expires is when a claimed tick may be taken over by another replica
	// (its holder renews it while the tick runs; a failed run sets it to
	// now, so the retry need not wait).
	Expires  time.Time `json:"expires,omitzero"`
	Attempts int       `json:"attempts,omitempty"`
	CatchUp  bool      `json:"catch_up,omitempty"`
}

func (c tickClaim) done() bool { return c.State == TickDone || c.State == "" }

// tickSlot is a tick claim this replica holds.
type tickSlot struct {
	js    jetstream.JetStream
	kv    jetstream.KeyValue
	key   string
	keep  time.Duration // per-key TTL of the claim (0: none)
	mu    sync.Mutex
	rev   uint64
	claim tickClaim
}

// claimTick takes tick.<job>.<unix>: it creates the key if absent, or takes
// over a claim that expired (compare-and-set on its revision). It returns
// the slot when this replica now holds it; otherwise the claim found: done,
// or held by another replica until its expiry. The KV create and the
// compare-and-set are the single points that let one replica at a time run
// a tick, whatever the lease or the clocks say; the ledger under the tick
// makes its Chat Inc run happen once even if two ever did.
// keep > 0 sets a per-key TTL (the bucket must allow it: LimitMarkerTTL).
func claimTick(ctx context.Context, js jetstream.JetStream, kv jetstream.KeyValue, jobID string, at time.Time, c tickClaim,
	now time.Time, holdFor, keep time.Duration) (*tickSlot, tickClaim, error) {
	key := tickKey(jobID, at)
	c.State, c.ClaimedAt, c.Expires, c.Attempts = TickClaimed, now.UTC(), now.Add(holdFor).UTC(), 1
	slot := &tickSlot{js: js, kv: kv, key: key, keep: keep}
	for range 4 {
		b, _ := json.Marshal(c)
		var opts []jetstream.KVCreateOpt
		if keep > 0 {
			opts = append(opts, jetstream.KeyTTL(keep))
		}
		rev, err := kv.Create(ctx, key, b, opts...)
		if err == nil {
			slot.rev, slot.claim = rev, c
			return slot, c, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, tickClaim{}, fmt.Errorf("scheduler: claim tick %s of job %s in KV %s: %w", at.UTC().Format(time.RFC3339), jobID, kv.Bucket(), err)
		}
		e, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired meanwhile
		}
		if err != nil {
			return nil, tickClaim{}, fmt.Errorf("scheduler: read tick claim %s in KV %s: %w", key, kv.Bucket(), err)
		}
		var cur tickClaim
		if json.Unmarshal(e.Value(), &cur) != nil {
			cur = tickClaim{State: TickDone} // unreadable: never run it again
		}
		if cur.done() || cur.Expires.After(now) {
			return nil, cur, nil
		}
		c.Attempts = cur.Attempts + 1
		slot.rev = e.Revision()
		if err := slot.write(ctx, c); err != nil {
			if isWrongLastSequence(err) {
				continue // another replica took it first
			}
			return nil, tickClaim{}, err
		}
		return slot, c, nil
	}
	return nil, tickClaim{State: TickClaimed, Expires: now.Add(time.Second)}, nil
}

// write replaces the claim (compare-and-set on the slot's revision), keeping
// the per-key TTL, which a plain KV Update would drop.
func (s *tickSlot) write(ctx context.Context, c tickClaim) error {
	b, _ := json.Marshal(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	opts := []jetstream.PublishOpt{jetstream.WithExpectLastSequencePerSubject(s.rev)}
	if s.keep > 0 {
		opts = append(opts, jetstream.WithMsgTTL(s.keep))
	}
	ack, err := s.js.Publish(ctx, "$KV."+s.kv.Bucket()+"."+s.key, b, opts...)
	if err != nil {
		return fmt.Errorf("scheduler: update tick claim %s in KV %s: %w", s.key, s.kv.Bucket(), err)
	}
	s.rev, s.claim = ack.Sequence, c
	return nil
}

func (s *tickSlot) current() tickClaim {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claim
}

// renew moves the claim's expiry to until.
func (s *tickSlot) renew(ctx context.Context, until time.Time) error {
	c := s.current()
	c.Expires = until.UTC()
	return s.write(ctx, c)
}

// finish marks the tick done.
func (s *tickSlot) finish(ctx context.Context) error {
	c := s.current()
	c.State, c.Expires = TickDone, time.Time{}
	return s.write(ctx, c)
}

// release lets any replica retry the tick at once (after a failed run).
func (s *tickSlot) release(ctx context.Context, now time.Time) error {
	c := s.current()
	c.Expires = now.UTC()
	return s.write(ctx, c)
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
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
