package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/internal/beat"
)

// ErrBusy says another worker holds a live claim on the key: retry after
// the claim ends (BusyError.Until).
var ErrBusy = errors.New("ledger: another worker is applying this effect")

// BusyError is ErrBusy with the key and when the claim ends.
type BusyError struct {
	Key   string
	Until time.Time
	Owner string // the holder's worker id, when it recorded one
}

func (e *BusyError) Error() string {
	by := "another worker"
	if e.Owner != "" {
		by = "worker " + e.Owner
	}
	return fmt.Sprintf("ledger: %s is being applied by %s until %s (unless it renews its claim); retry after that", e.Key, by, e.Until.UTC().Format(time.RFC3339))
}

// Is makes a *BusyError match ErrBusy.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// entryClaim is an intent this worker owns: call Chat Inc, then Done. While the
// call is in flight the holder renews the claim (Heartbeat), so a live
// holder keeps it however long the call takes, and a dead holder's claim
// expires within the claim TTL.
type entryClaim struct {
	l       *Ledger
	Key     string
	Resumed bool // an earlier intent existed: reconcile before calling

	mu       sync.Mutex
	Record   Record // as last written by this claim
	revision uint64
}

// begin records the intent for key, or takes over an expired earlier one.
// When the key is already done it returns its outcome and a nil claim.
// describe (optional) fills in what the record says about the effect.
func (l *Ledger) begin(ctx context.Context, key string, describe ...func(*Record)) (*entryClaim, *Outcome, error) {
	for range 8 {
		now := l.clock.Now()
		rec, rev, err := l.get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rec = Record{State: StateIntent, IntentAt: now, ClaimedUntil: now.Add(l.claimTTL), Attempts: 1,
				Owner: l.owner, HeartbeatAt: now}
			for _, d := range describe {
				d(&rec)
			}
			rev, err = l.kv.Create(ctx, key, mustJSON(rec))
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			if err != nil {
				return nil, nil, fmt.Errorf("ledger: record intent %s: %w", key, err)
			}
			return &entryClaim{l: l, Key: key, Record: rec, revision: rev}, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if rec.State == StateDone {
			out := rec.Outcome
			return nil, &out, nil
		}
		if rec.ClaimedUntil.After(now) {
			return nil, nil, &BusyError{Key: key, Until: rec.ClaimedUntil, Owner: rec.Owner}
		}
		rec.ClaimedUntil = now.Add(l.claimTTL)
		rec.Attempts++
		rec.Owner, rec.HeartbeatAt = l.owner, now
		if rec.State == StateAbandoned {
			rec.State = StateIntent
		}
		for _, d := range describe {
			d(&rec)
		}
		rev, err = l.kv.Update(ctx, key, mustJSON(rec), rev)
		if isWrongRevision(err) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: renew intent %s: %w", key, err)
		}
		return &entryClaim{l: l, Key: key, Record: rec, Resumed: true, revision: rev}, nil, nil
	}
	return nil, nil, &BusyError{Key: key, Until: l.clock.Now().Add(time.Second)}
}

// write stores rec with compare-and-set on the claim's revision.
func (c *entryClaim) write(ctx context.Context, rec Record, what string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	data := mustJSON(rec)
	rev, err := c.l.kv.Update(ctx, c.Key, data, c.revision)
	if err != nil && !isWrongRevision(err) {
		// The update may have been applied with its answer lost (a timeout
		// under load, or a renewal stopped mid-call): look before calling it
		// failed, or the claim's next write would use a stale revision.
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if e, gerr := c.l.kv.Get(gctx, c.Key); gerr == nil && bytes.Equal(e.Value(), data) {
			rev, err = e.Revision(), nil
		}
		cancel()
	}
	if err != nil {
		return fmt.Errorf("ledger: %s %s: %w", what, c.Key, err)
	}
	c.Record, c.revision = rec, rev
	return nil
}

// current is the record as this claim last wrote it.
func (c *entryClaim) current() Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Record
}

// Heartbeat renews the claim every heartbeat interval until the returned
// stop is called (stop waits for a renewal in progress). A renewal that
// fails is retried on the next beat; one that finds another revision (the
// claim was taken over after it expired) stops beating.
func (c *entryClaim) Heartbeat(ctx context.Context) (stop func()) {
	return beat.Start(ctx, c.l.heartbeat, func(bctx context.Context) error {
		rec := c.current()
		now := c.l.clock.Now()
		rec.ClaimedUntil, rec.HeartbeatAt = now.Add(c.l.claimTTL), now
		return c.write(bctx, rec, "renew claim on")
	}, func(err error) bool {
		if isWrongRevision(err) {
			c.l.log.Warn("ledger: claim taken over by another worker while calling", "key", c.Key, "err", err)
			return false
		}
		c.l.log.Warn("ledger: claim not renewed; retrying", "key", c.Key, "err", err)
		return true
	})
}

// Done records the outcome (compare-and-set on the claim's revision).
// followedUp says the outcome's follow-up (OnOutcome) is stored.
func (c *entryClaim) Done(ctx context.Context, out Outcome) error { return c.done(ctx, out, false) }

func (c *entryClaim) done(ctx context.Context, out Outcome, followedUp bool) error {
	rec := c.current()
	rec.State, rec.Outcome, rec.DoneAt, rec.ClaimedUntil = StateDone, out, c.l.clock.Now(), time.Time{}
	rec.FollowedUp = followedUp
	if err := c.write(ctx, rec, "record outcome of"); err != nil {
		return fmt.Errorf("%w (campaign %s run %s)", err, out.CampaignID, out.RunID)
	}
	return nil
}

// pending records a known outcome whose follow-up failed, and ends the
// claim, so the next attempt only does the follow-up.
func (c *entryClaim) pending(ctx context.Context, out Outcome) error {
	rec := c.current()
	rec.State, rec.Outcome, rec.ClaimedUntil = StatePending, out, time.Time{}
	return c.write(ctx, rec, "record pending outcome of")
}

// Release ends the claim without an outcome, after a call that surely did
// not take effect, so a retry need not wait for the claim to expire.
func (c *entryClaim) Release(ctx context.Context) error {
	rec := c.current()
	rec.ClaimedUntil = time.Time{}
	return c.write(ctx, rec, "release claim on")
}

// Abandon shortens the claim to after, for a holder that stops (its
// context ended) not knowing whether its call took effect: the next worker
// reconciles after that, instead of waiting out the whole claim TTL.
func (c *entryClaim) Abandon(ctx context.Context, after time.Duration) error {
	rec := c.current()
	rec.ClaimedUntil = c.l.clock.Now().Add(after)
	return c.write(ctx, rec, "abandon claim on")
}

func (l *Ledger) get(ctx context.Context, key string) (Record, uint64, error) {
	e, err := l.kv.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return Record{}, 0, err
		}
		return Record{}, 0, fmt.Errorf("ledger: read %s: %w", key, err)
	}
	var rec Record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return Record{}, 0, fmt.Errorf("ledger: %s holds invalid JSON (%v); clear it with `campaignflow ledger forget %s --yes`", key, err, key)
	}
	return rec, e.Revision(), nil
}

func isWrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("ledger: marshal record: " + err.Error())
	}
	return b
}
