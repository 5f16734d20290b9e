// Package caps owns the frequency-cap counters in their KV bucket
// (campaignflow_caps): one key per contact and run, <number>.<run key>
// (both encoded as single tokens, see ids.Token), holding when the run
// sends, with a per-key TTL of the promo's cap period. A contact's count
// is the number of its keys whose time lies within a cap's period. Being
// keyed by the run's ledger key, a run counts each contact once however
// often it is retried or its event redelivered.
//
// A run reserves its sends under the bucket's lock (Reserve): its counters
// are pending until the run is known to have been made (MadeKey), and count
// meanwhile only while the run's worker keeps its lease (LeaseKey), so a run
// that never happened does not use up the cap.
package caps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/internal/kvscan"
)

// Bucket is the default caps KV bucket (sources.Names.CapsBucket).
const Bucket = "campaignflow_caps"

// MarkerTTL is the bucket's LimitMarkerTTL: per-key TTLs need it.
const MarkerTTL = time.Minute

// Key is the counter key of one send of number in the run runKey.
func Key(number, runKey string) string { return ids.Token(number) + "." + ids.Token(runKey) }

// Send is the JSON value under a Key.
type Send struct {
	At      time.Time `json:"at"` // when the run sends
	PromoID string    `json:"promo_id,omitempty"`
	// Pending: reserved by a run not yet known to be made; it counts only
	// while the run has its MadeKey or a live LeaseKey. Counters without it
	// (Record) always count.
	Pending bool `json:"pending,omitempty"`
}

// MadeKey says the run runKey was made (its outcome is known): its pending
// counters count. It lives as long as they do.
func MadeKey(runKey string) string { return madePrefix + ids.Token(runKey) }

// LeaseKey says a worker is making the run runKey (until the time in it,
// renewed): its pending counters count meanwhile.
func LeaseKey(runKey string) string { return leasePrefix + ids.Token(runKey) }

const (
	madePrefix  = "_made."
	leasePrefix = "_lease."
)

// Counter reads and records sends in the caps bucket.
type Counter struct {
	kv          jetstream.KeyValue
	scanTimeout time.Duration
	parallel    int
	owner       string           // names this worker in the lock and leases
	now         func() time.Time // the clock leases are read by
}

// New returns a Counter over kv (a bucket made with LimitMarkerTTL).
func New(kv jetstream.KeyValue) *Counter {
	return &Counter{kv: kv, scanTimeout: time.Minute, parallel: 32, owner: ids.Token(hostname()), now: time.Now}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "campaignflow"
	}
	return h
}

// Counts is how many sends each number had within a window.
type Counts map[string]int

// Recent counts each number's sends at or after since and not after until,
// leaving out those of the run exceptRun (a retried run must not count
// itself) and the pending ones of runs neither made nor leased. One pass
// over the bucket.
func (c *Counter) Recent(ctx context.Context, since, until time.Time, exceptRun string) (Counts, error) {
	s, err := c.scan(ctx, since, until, exceptRun)
	return s.counts, err
}

// scanned is one pass over the bucket for the run own.
type scanned struct {
	counts Counts
	mine   map[string]bool // numbers with a counter of the run own
	stale  []string        // lease keys that ran out StaleLease ago or more
}

// StaleLease is how long after it ran out a run's lease is swept away by
// the next Reserve: its worker died mid-attempt (a live one renews it
// every LeaseTTL/3), and leases have no TTL of their own (a KV update
// drops one), so without the sweep they would stay for good.
const StaleLease = 10 * LeaseTTL

func (c *Counter) scan(ctx context.Context, since, until time.Time, exceptRun string) (scanned, error) {
	own := ids.Token(exceptRun)
	out := scanned{counts: Counts{}, mine: map[string]bool{}}
	live := map[string]bool{}        // run token: made, or leased now
	pending := map[string][]string{} // run token: numbers of its pending counters in the window
	now := c.now()
	var bad error
	err := kvscan.Each(ctx, c.kv, []string{">"}, c.scanTimeout, func(e jetstream.KeyValueEntry) {
		key := e.Key()
		if run, ok := strings.CutPrefix(key, madePrefix); ok {
			live[run] = true
			return
		}
		if run, ok := strings.CutPrefix(key, leasePrefix); ok {
			var h held
			err := json.Unmarshal(e.Value(), &h)
			switch {
			case err == nil && now.Before(h.Until):
				live[run] = true
			case err == nil && now.Sub(h.Until) >= StaleLease:
				out.stale = append(out.stale, key)
			}
			return
		}
		tok, run, ok := strings.Cut(key, ".")
		if !ok {
			return
		}
		number, ok := ids.Untoken(tok)
		if !ok {
			return
		}
		if run == own {
			out.mine[number] = true
			return
		}
		var s Send
		if err := json.Unmarshal(e.Value(), &s); err != nil {
			if bad == nil {
				bad = fmt.Errorf("caps: counter %s holds invalid JSON: %w", key, err)
			}
			return
		}
		if s.At.Before(since) || s.At.After(until) {
			return
		}
		if s.Pending {
			pending[run] = append(pending[run], number)
			return
		}
		out.counts[number]++
	})
	if err != nil {
		return scanned{}, fmt.Errorf("caps: read counters in KV %s: %w", c.kv.Bucket(), err)
	}
	for run, numbers := range pending {
		if live[run] {
			for _, n := range numbers {
				out.counts[n]++
			}
		}
	}
	return out, bad // an unreadable counter is not counted, and said
}

// Record records one send at at of each number in the run runKey, kept
// for keep (the cap's period). A send recorded before (a retried run) is
// left as it is.
func (c *Counter) Record(ctx context.Context, runKey, promoID string, numbers []string, at time.Time, keep time.Duration) error {
	b, err := json.Marshal(Send{At: at.UTC(), PromoID: promoID})
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(c.parallel)
	c.recordEach(ctx, g, runKey, numbers, b, keep)
	return g.Wait()
}

// recordEach adds to g the writes of one counter (value, kept for keep)
// per number of the run runKey; a counter already there stays as it is.
func (c *Counter) recordEach(ctx context.Context, g *errgroup.Group, runKey string, numbers []string, value []byte, keep time.Duration) {
	for _, n := range numbers {
		g.Go(func() error {
			key := Key(n, runKey)
			_, err := c.kv.Create(ctx, key, value, jetstream.KeyTTL(keep))
			if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
				return fmt.Errorf("caps: record send %s in KV %s: %w", key, c.kv.Bucket(), err)
			}
			return nil
		})
	}
}
