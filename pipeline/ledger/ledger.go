package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Ledger records intents and outcomes of effects in a KV bucket.
type Ledger struct {
	kv       jetstream.KeyValue
	now      func() time.Time
	claimTTL time.Duration
	skew     time.Duration
	log      *slog.Logger
	// abandonAfter is how long an abandoned claim (its holder stopped
	// mid-call) still blocks others, for the call to land in Chat Inc.
	abandonAfter time.Duration
}

// Option configures a Ledger.
type Option func(*Ledger)

// WithNow sets the clock (default time.Now).
func WithNow(now func() time.Time) Option { return func(l *Ledger) { l.now = now } }

// WithClaimTTL sets how long a worker owns an intent while calling Chat Inc
// (default 2m); another worker finding a live claim gets ErrBusy.
func WithClaimTTL(d time.Duration) Option { return func(l *Ledger) { l.claimTTL = d } }

// WithClockSkew sets how much earlier than the intent Chat Inc's createdAt
// may be and still match when reconciling (default 1m: Chat Inc's clock and
// whole-second timestamps differ from ours).
func WithClockSkew(d time.Duration) Option { return func(l *Ledger) { l.skew = d } }

// WithLogger sets the logger (default: discard).
func WithLogger(log *slog.Logger) Option { return func(l *Ledger) { l.log = log } }

// New returns a ledger on kv (see OpenBucket).
func New(kv jetstream.KeyValue, opts ...Option) *Ledger {
	l := &Ledger{kv: kv, now: time.Now, claimTTL: 2 * time.Minute, skew: time.Minute, abandonAfter: 3 * time.Second,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(l)
	}
	return l
}

// OpenBucket creates the ledger bucket if missing (or returns the existing one).
func OpenBucket(ctx context.Context, js jetstream.JetStream, name string) (jetstream.KeyValue, error) {
	if name == "" {
		name = Bucket
	}
	kv, err := js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1,
			Description: "campaignflow idempotency ledger: promo campaigns and runs"})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: open KV bucket %q: %w", name, err)
	}
	return kv, nil
}

// Get returns the record under key; ok is false when there is none.
func (l *Ledger) Get(ctx context.Context, key string) (Record, bool, error) {
	rec, _, err := l.get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Record{}, false, nil
	}
	return rec, err == nil, err
}
