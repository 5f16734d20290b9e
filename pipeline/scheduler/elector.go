package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// DefaultLeaseTTL is how long a leader lease lives without renewal.
const DefaultLeaseTTL = 10 * time.Second

// ErrNotLeader is returned by IsLeader on a replica that does not hold the lease.
var ErrNotLeader = errors.New("scheduler: this replica does not hold the leader lease")

var _ gocron.Elector = (*Elector)(nil)

// leaseValue is the JSON stored under the leader key.
type leaseValue struct {
	Replica string    `json:"replica"`
	Nonce   string    `json:"nonce"`   // per process: two replicas misconfigured with one id still differ
	Expires time.Time `json:"expires"` // informational; takeover uses the revision's age
}

// Elector is a gocron.Elector backed by a NATS KV lease. The leader creates
// the key (Create) and renews it every TTL/3 with compare-and-set on its
// revision (Update). A follower takes over (Update on the revision it saw)
// only after that same revision stayed unchanged for a whole TTL on its own
// monotonic clock, so wall-clock differences between replicas never decide
// leadership. The leader trusts its lease only until 3/4 TTL after it began
// the last successful renewal. Two leaders for a moment are still possible
// (a paused process); the per-tick slot claim makes that harmless.
type Elector struct {
	kv      jetstream.KeyValue
	replica string
	nonce   string
	ttl     time.Duration
	clock   clockwork.Clock
	log     *slog.Logger

	mu         sync.Mutex
	leader     bool
	validUntil time.Time // leader: clock time until which the lease is trusted
	rev        uint64    // leader: revision of our lease
	seenRev    uint64    // follower: last revision observed
	seenAt     time.Time // follower: when seenRev was first observed
	onElected  func()
}

// NewElector returns an elector for replica on the leases bucket kv. ttl <= 0
// means DefaultLeaseTTL; a nil clock means the real clock.
func NewElector(kv jetstream.KeyValue, replica string, ttl time.Duration, clock clockwork.Clock, log *slog.Logger) *Elector {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Elector{kv: kv, replica: replica, nonce: nuid.Next(), ttl: ttl, clock: clock, log: log}
}

// IsLeader returns nil when this replica holds a lease it renewed recently
// enough to trust, else an error wrapping ErrNotLeader.
func (e *Elector) IsLeader(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.leader && e.clock.Now().Before(e.validUntil) {
		return nil
	}
	return ErrNotLeader
}

// Leading is IsLeader as a bool, for the results poller's IsLeader option.
func (e *Elector) Leading(ctx context.Context) bool { return e.IsLeader(ctx) == nil }

// Run campaigns for and renews the lease every TTL/3 until ctx is done, then
// releases it (if held) so another replica takes over at once.
func (e *Elector) Run(ctx context.Context) {
	t := e.clock.NewTicker(e.ttl / 3)
	defer t.Stop()
	for {
		e.step(ctx)
		select {
		case <-ctx.Done():
			e.release()
			return
		case <-t.Chan():
		}
	}
}

// step does one round of acquire / renew / observe.
func (e *Elector) step(ctx context.Context) {
	opCtx, cancel := context.WithTimeout(ctx, e.ttl/3)
	defer cancel()
	start := e.clock.Now()
	val, _ := json.Marshal(leaseValue{Replica: e.replica, Nonce: e.nonce, Expires: start.Add(e.ttl).UTC()})

	entry, err := e.kv.Get(opCtx, LeaderKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		rev, err := e.kv.Create(opCtx, LeaderKey, val)
		e.settle(start, rev, err, "acquired free lease")
	case err != nil:
		e.log.Warn("scheduler: reading leader lease failed", "bucket", e.kv.Bucket(), "err", err)
		e.mu.Lock()
		if e.leader && !e.clock.Now().Before(e.validUntil) {
			e.leader = false
			e.log.Warn("scheduler: lost leadership: lease could not be renewed", "replica", e.replica)
		}
		e.mu.Unlock()
	default:
		var cur leaseValue
		_ = json.Unmarshal(entry.Value(), &cur)
		if cur.Replica == e.replica && cur.Nonce == e.nonce {
			rev, err := e.kv.Update(opCtx, LeaderKey, val, entry.Revision())
			e.settle(start, rev, err, "renewed lease")
			return
		}
		e.mu.Lock()
		if e.leader {
			e.leader = false
			e.log.Warn("scheduler: lost leadership to another replica", "replica", e.replica, "leader", cur.Replica)
		}
		if entry.Revision() != e.seenRev {
			e.seenRev, e.seenAt = entry.Revision(), start
			e.mu.Unlock()
			return
		}
		stale := start.Sub(e.seenAt) >= e.ttl
		e.mu.Unlock()
		if stale {
			rev, err := e.kv.Update(opCtx, LeaderKey, val, entry.Revision())
			e.settle(start, rev, err, "took over expired lease of "+cur.Replica)
		}
	}
}

// settle records the result of a Create/Update of our lease begun at start.
func (e *Elector) settle(start time.Time, rev uint64, err error, what string) {
	e.mu.Lock()
	if err != nil {
		was := e.leader
		e.leader = false
		e.mu.Unlock()
		if was {
			e.log.Warn("scheduler: lost leadership", "replica", e.replica, "err", err)
		}
		return
	}
	was := e.leader
	e.leader, e.rev = true, rev
	e.validUntil = start.Add(e.ttl * 3 / 4)
	cb := e.onElected
	e.mu.Unlock()
	if !was {
		e.log.Info("scheduler: became leader", "replica", e.replica, "how", what)
		if cb != nil {
			cb()
		}
	}
}

// release deletes our lease (only if still ours, by revision).
func (e *Elector) release() {
	e.mu.Lock()
	leader, rev := e.leader, e.rev
	e.leader = false
	e.mu.Unlock()
	if !leader {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.ttl/3)
	defer cancel()
	if err := e.kv.Delete(ctx, LeaderKey, jetstream.LastRevision(rev)); err != nil {
		e.log.Info("scheduler: lease not released; it expires after its TTL", "replica", e.replica, "err", err)
		return
	}
	e.log.Info("scheduler: released leader lease", "replica", e.replica)
}

// setOnElected registers a callback run (synchronously, on the elector's
// goroutine) when this replica becomes leader.
func (e *Elector) setOnElected(f func()) {
	e.mu.Lock()
	e.onElected = f
	e.mu.Unlock()
}

// String names the elector for logs.
func (e *Elector) String() string { return fmt.Sprintf("kv-lease(%s/%s)", e.kv.Bucket(), LeaderKey) }
