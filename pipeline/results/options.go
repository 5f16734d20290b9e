package results

import (
	"context"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
)

// Option configures a Poller.
type Option func(*options)

type options struct {
	log         *slog.Logger
	clock       clockwork.Clock
	offsets     []time.Duration
	timeScale   float64
	interval    time.Duration
	isLeader    func(context.Context) bool
	stateBucket string
}

func defaultOptions() options {
	return options{
		log:         slog.New(slog.DiscardHandler),
		clock:       clockwork.NewRealClock(),
		offsets:     DefaultOffsets,
		timeScale:   1,
		interval:    time.Second,
		isLeader:    func(context.Context) bool { return true },
		stateBucket: defaultStateBucket,
	}
}

// defaultStateBucket is the object store holding per-run contact statuses.
const defaultStateBucket = "campaignflow_poll_state"

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock sets the clock (tests use a clockwork fake clock).
func WithClock(c clockwork.Clock) Option { return func(o *options) { o.clock = c } }

// WithOffsets sets the poll offsets after a run (default DefaultOffsets).
func WithOffsets(d ...time.Duration) Option { return func(o *options) { o.offsets = d } }

// WithTimeScale divides the offsets (the sandbox's --time-scale makes the
// plan fast); <= 0 means 1.
func WithTimeScale(f float64) Option { return func(o *options) { o.timeScale = f } }

// WithInterval sets how often Run looks for due polls (default 1s).
func WithInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// WithIsLeader makes Run poll only while f says this replica leads (pass the
// scheduler's Elector().Leading). Default: always.
func WithIsLeader(f func(context.Context) bool) Option { return func(o *options) { o.isLeader = f } }
