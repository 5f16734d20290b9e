package ledger

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"
)

// Ledger records intents and outcomes of effects in a KV bucket.
type Ledger struct {
	kv       jetstream.KeyValue
	clock    clockwork.Clock
	claimTTL time.Duration
	skew     time.Duration
	log      *slog.Logger
	// abandonAfter is how long an abandoned claim (its holder stopped
	// mid-call) still blocks others, for the call to land in Chat Inc.
	abandonAfter time.Duration
	heartbeat    time.Duration // 0: claimTTL/3
	owner        string
}

// Option configures a Ledger.
type Option func(*Ledger)

// WithClock sets the clock of claims and records (default: the real one).
// Heartbeats tick in real time: they keep a claim alive in NATS.
func WithClock(c clockwork.Clock) Option { return func(l *Ledger) { l.clock = c } }

// DefaultClaimTTL is how long a claim lives without a heartbeat: a worker
// that dies mid-call blocks the key for at most about this long.
const DefaultClaimTTL = 10 * time.Second

// WithClaimTTL sets how long a claim lives past its last heartbeat (default
// DefaultClaimTTL); another worker finding a live claim gets ErrBusy. The
// holder renews it every WithHeartbeat while its Chat Inc call is in flight.
func WithClaimTTL(d time.Duration) Option { return func(l *Ledger) { l.claimTTL = d } }

// WithHeartbeat sets how often a holder renews its claim while calling
// (default a third of the claim TTL).
func WithHeartbeat(d time.Duration) Option { return func(l *Ledger) { l.heartbeat = d } }

// WithOwner names this worker in the claims it records (default "").
func WithOwner(id string) Option { return func(l *Ledger) { l.owner = id } }

// WithLogger sets the logger (default: discard).
func WithLogger(log *slog.Logger) Option { return func(l *Ledger) { l.log = log } }

// New returns a ledger on kv (the topology's ledger bucket: sources.EnsureTopology).
func New(kv jetstream.KeyValue, opts ...Option) *Ledger {
	l := &Ledger{kv: kv, clock: clockwork.NewRealClock(), claimTTL: DefaultClaimTTL, skew: time.Minute, abandonAfter: 3 * time.Second,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(l)
	}
	if l.heartbeat <= 0 || l.heartbeat >= l.claimTTL {
		l.heartbeat = l.claimTTL / 3
	}
	return l
}

// Get returns the record under key; ok is false when there is none.
func (l *Ledger) Get(ctx context.Context, key string) (Record, bool, error) {
	rec, _, err := l.get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Record{}, false, nil
	}
	return rec, err == nil, err
}
