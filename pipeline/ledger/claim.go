package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrBusy says another worker holds a live claim on the key: retry after
// the claim ends (BusyError.Until).
var ErrBusy = errors.New("ledger: another worker is applying this effect")

// BusyError is ErrBusy with the key and when the claim ends.
type BusyError struct {
	Key   string
	Until time.Time
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("ledger: %s is being applied by another worker until %s; retry after that", e.Key, e.Until.UTC().Format(time.RFC3339))
}

// Is makes a *BusyError match ErrBusy.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// Claim is an intent this worker owns: call Chat Inc, then Done.
type Claim struct {
	l        *Ledger
	Key      string
	Record   Record
	Resumed  bool // an earlier intent existed: reconcile before calling
	revision uint64
}

// Begin records the intent for key, or takes over an expired earlier one.
// When the key is already done it returns its outcome and a nil claim.
func (l *Ledger) Begin(ctx context.Context, key string) (*Claim, *Outcome, error) {
	for range 8 {
		now := l.now()
		rec, rev, err := l.get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rec = Record{State: StateIntent, IntentAt: now, ClaimedUntil: now.Add(l.claimTTL), Attempts: 1}
			rev, err = l.kv.Create(ctx, key, mustJSON(rec))
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			if err != nil {
				return nil, nil, fmt.Errorf("ledger: record intent %s: %w", key, err)
			}
			return &Claim{l: l, Key: key, Record: rec, revision: rev}, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if rec.State == StateDone {
			out := rec.Outcome
			return nil, &out, nil
		}
		if rec.ClaimedUntil.After(now) {
			return nil, nil, &BusyError{Key: key, Until: rec.ClaimedUntil}
		}
		rec.ClaimedUntil = now.Add(l.claimTTL)
		rec.Attempts++
		rev, err = l.kv.Update(ctx, key, mustJSON(rec), rev)
		if isWrongRevision(err) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: renew intent %s: %w", key, err)
		}
		return &Claim{l: l, Key: key, Record: rec, Resumed: true, revision: rev}, nil, nil
	}
	return nil, nil, &BusyError{Key: key, Until: l.now().Add(time.Second)}
}

// Done records the outcome (compare-and-set on the claim's revision).
func (c *Claim) Done(ctx context.Context, out Outcome) error {
	rec := c.Record
	rec.State, rec.Outcome, rec.DoneAt, rec.ClaimedUntil = StateDone, out, c.l.now(), time.Time{}
	rev, err := c.l.kv.Update(ctx, c.Key, mustJSON(rec), c.revision)
	if err != nil {
		return fmt.Errorf("ledger: record outcome of %s (campaign %s run %s): %w", c.Key, out.CampaignID, out.RunID, err)
	}
	c.Record, c.revision = rec, rev
	return nil
}

// Release ends the claim without an outcome, after a call that surely did
// not take effect, so a retry need not wait for the claim to expire.
func (c *Claim) Release(ctx context.Context) error {
	rec := c.Record
	rec.ClaimedUntil = time.Time{}
	rev, err := c.l.kv.Update(ctx, c.Key, mustJSON(rec), c.revision)
	if err != nil {
		return fmt.Errorf("ledger: release claim on %s: %w", c.Key, err)
	}
	c.Record, c.revision = rec, rev
	return nil
}

// Abandon shortens the claim to after, for a holder that stops (its
// context ended) not knowing whether its call took effect: the next worker
// reconciles after that, instead of waiting out the whole claim TTL.
func (c *Claim) Abandon(ctx context.Context, after time.Duration) error {
	rec := c.Record
	rec.ClaimedUntil = c.l.now().Add(after)
	rev, err := c.l.kv.Update(ctx, c.Key, mustJSON(rec), c.revision)
	if err != nil {
		return fmt.Errorf("ledger: abandon claim on %s: %w", c.Key, err)
	}
	c.Record, c.revision = rec, rev
	return nil
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
