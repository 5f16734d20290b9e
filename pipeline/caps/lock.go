package caps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/internal/beat"
)

// LockKey is the caps bucket's cluster-wide lock: whoever holds it reads,
// decides and records one capped run's sends (Reserve), so two runs, on
// one replica or many, never both take a contact's last send. Its value
// says until when it is held (LockTTL past the last renewal, renewed every
// third of that), so a worker that dies holding it frees it.
const LockKey = "_lock"

// LockTTL is how long the lock outlives its holder's last renewal.
const LockTTL = 30 * time.Second

// ErrLockLost says the caps lock was taken over while held: what was
// decided under it is not trusted (the attempt fails, transient).
var ErrLockLost = errors.New("caps: the caps lock was lost while held")

// held is the JSON value of LockKey and of a run's lease (LeaseKey).
type held struct {
	Owner string    `json:"owner,omitempty"`
	Until time.Time `json:"until"`
}

func (c *Counter) heldValue(ttl time.Duration) []byte {
	b, _ := json.Marshal(held{Owner: c.owner, Until: c.now().Add(ttl).UTC()})
	return b
}

// lock waits for the caps lock and takes it. The returned context ends when
// the lock is lost; unlock releases it (and must be called).
func (c *Counter) lock(ctx context.Context) (locked context.Context, unlock func(), err error) {
	wait := 2 * time.Millisecond
	var rev uint64
	for {
		rev, err = c.take(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, nil, fmt.Errorf("caps: take the caps lock in KV %s: %w", c.kv.Bucket(), err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, fmt.Errorf("caps: wait for the caps lock: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
	locked, cancel := context.WithCancelCause(ctx)
	stop := beat.Start(locked, LockTTL/3, func(ctx context.Context) error {
		r, err := c.kv.Update(ctx, LockKey, c.heldValue(LockTTL), rev)
		if err == nil {
			rev = r
		}
		return err
	}, func(err error) bool {
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
			cancel(fmt.Errorf("%w: %v", ErrLockLost, err))
			return false
		}
		return true // tried again while the lock lasts
	})
	return locked, func() {
		stop()
		cancel(nil)
		sctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		_ = c.kv.Purge(sctx, LockKey, jetstream.LastRevision(rev), jetstream.PurgeTTL(MarkerTTL)) // else it expires
	}, nil
}

// take creates the lock, or takes it over when its holder let it expire;
// jetstream.ErrKeyExists while someone holds it.
func (c *Counter) take(ctx context.Context) (uint64, error) {
	rev, err := c.kv.Create(ctx, LockKey, c.heldValue(LockTTL))
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return rev, err
	}
	e, err := c.kv.Get(ctx, LockKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, jetstream.ErrKeyExists // just released: try again
	} else if err != nil {
		return 0, err
	}
	var h held
	if json.Unmarshal(e.Value(), &h) == nil && c.now().Before(h.Until) {
		return 0, jetstream.ErrKeyExists
	}
	rev, err = c.kv.Update(ctx, LockKey, c.heldValue(LockTTL), e.Revision())
	if err != nil {
		return 0, jetstream.ErrKeyExists // someone else took it over first
	}
	return rev, nil
}
