package caps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/campaignflow/campaignflow/pipeline/internal/beat"
)

// LeaseTTL is how long a run's lease outlives its worker's last renewal.
const LeaseTTL = 30 * time.Second

// Request is one capped run's reservation: its candidates (valid numbers),
// when it sends, and its cap.
type Request struct {
	RunKey  string
	PromoID string
	Numbers []string
	At      time.Time
	Max     int
	Per     time.Duration
	// Made: the run is known to have been made (the ledger has its
	// outcome): the numbers it holds counters for are kept as they are,
	// not decided again.
	Made bool
}

// Reservation is what Reserve decided; End must be called when the
// attempt is over, Made before that once the run is known to be made.
type Reservation struct {
	Send   []string // sent to: a counter is recorded for each
	Capped []string // left out: max sends within per already

	c      *Counter
	req    Request
	stop   func()
	mu     sync.Mutex
	ended  bool
	isMade bool
}

// Reserve decides, under the caps lock (one run at a time across replicas),
// which numbers the run may send to: those with fewer than Max sends within
// Per either side of At, counting the other runs' counters (pending ones
// only while their run is made or leased) and not the run's own (a retry
// never counts against itself). It records a pending counter for each
// number sent to, removes the run's counters of numbers it no longer sends
// to (a retry that decides differently), and leases the run (renewed until
// End) so that the others count its counters meanwhile.
func (c *Counter) Reserve(ctx context.Context, req Request) (*Reservation, error) {
	locked, unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	r, err := c.reserve(locked, req)
	if err != nil {
		if cause := context.Cause(locked); errors.Is(cause, ErrLockLost) {
			err = fmt.Errorf("%w (%v)", cause, err)
		}
		return nil, err
	}
	return r, nil
}

func (c *Counter) reserve(ctx context.Context, req Request) (*Reservation, error) {
	s, err := c.scan(ctx, req.At.Add(-req.Per), req.At.Add(req.Per), req.RunKey)
	if err != nil && s.counts == nil {
		return nil, err
	} // an unreadable counter is not counted (scan says which)
	r := &Reservation{c: c, req: req}
	sent := map[string]bool{}
	for _, n := range req.Numbers {
		if req.Made && s.mine[n] || s.counts[n] < req.Max {
			r.Send = append(r.Send, n)
			sent[n] = true
		} else {
			r.Capped = append(r.Capped, n)
		}
	}
	if err := c.putLease(ctx, req.RunKey); err != nil {
		return nil, err
	}
	r.stop = beat.Start(context.WithoutCancel(ctx), LeaseTTL/3, func(ctx context.Context) error { return c.putLease(ctx, req.RunKey) },
		func(error) bool { return true })
	b, err := json.Marshal(Send{At: req.At.UTC(), PromoID: req.PromoID, Pending: true})
	if err != nil {
		r.End(ctx)
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.parallel)
	c.recordEach(gctx, g, req.RunKey, r.Send, b, req.Per)
	for n := range s.mine {
		if !sent[n] {
			g.Go(func() error {
				key := Key(n, req.RunKey)
				if err := c.kv.Purge(gctx, key, jetstream.PurgeTTL(MarkerTTL)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
					return fmt.Errorf("caps: remove send %s in KV %s: %w", key, c.kv.Bucket(), err)
				}
				return nil
			})
		}
	}
	for _, key := range s.stale { // best effort: the next Reserve tries again
		g.Go(func() error {
			_ = c.kv.Delete(gctx, key)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		r.End(ctx)
		return nil, err
	}
	return r, nil
}

func (c *Counter) putLease(ctx context.Context, runKey string) error {
	if _, err := c.kv.Put(ctx, LeaseKey(runKey), c.heldValue(LeaseTTL)); err != nil {
		return fmt.Errorf("caps: lease run %s in KV %s: %w", runKey, c.kv.Bucket(), err)
	}
	return nil
}

// Made records that the run was made: its counters count from now on,
// for as long as they live.
func (r *Reservation) Made(ctx context.Context) error {
	_, err := r.c.kv.Create(ctx, MadeKey(r.req.RunKey), []byte(`{}`), jetstream.KeyTTL(r.req.Per+LeaseTTL))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("caps: record run %s made in KV %s: %w", r.req.RunKey, r.c.kv.Bucket(), err)
	}
	r.mu.Lock()
	r.isMade = true
	r.mu.Unlock()
	return nil
}

// End ends the run's lease: unless the run was made, its counters stop
// counting (a retry reserves again; a run that never happens uses up
// nobody's cap).
func (r *Reservation) End(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	if r.stop != nil {
		r.stop()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = r.c.kv.Purge(sctx, LeaseKey(r.req.RunKey), jetstream.PurgeTTL(MarkerTTL)) // else it expires
}
