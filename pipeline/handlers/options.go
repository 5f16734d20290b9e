package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Option configures Handlers.
type Option func(*Handlers)

// WithJobs sets the KV bucket (campaignflow_jobs) where cron promos are
// stored for the scheduler. Without it a cron send-promo is a permanent error.
func WithJobs(kv jetstream.KeyValue) Option { return func(h *Handlers) { h.jobs = kv } }

// WithOpener sets how audience-file-uploaded sources are opened (the
// location policy lives there). Without it file events are a permanent error.
func WithOpener(o Opener) Option { return func(h *Handlers) { h.opener = o } }

// WithCSVReader replaces the streaming CSV reader (default NewCSVRows).
func WithCSVReader(f CSVReaderFunc) Option { return func(h *Handlers) { h.csv = f } }

// WithRunObserver is told about every run started (the results poller).
func WithRunObserver(o RunObserver) Option { return func(h *Handlers) { h.observer = o } }

// WithDefaultRegion sets the region of numbers written without a country
// code (default "ZA").
func WithDefaultRegion(region string) Option {
	return func(h *Handlers) { h.numbers.DefaultRegion = region }
}

// WithFieldDefaults sets the mapping used when an event names no variable
// group or fields.
func WithFieldDefaults(d FieldDefaults) Option { return func(h *Handlers) { h.defaults = d } }

// WithBatchSize sets how many contacts go to Chat Inc per call while a file
// is read (default 1000, Chat Inc's limit).
func WithBatchSize(n int) Option {
	return func(h *Handlers) {
		if n > 0 {
			h.batch = n
		}
	}
}

// WithApproval sets how long and how often send-promo polls for template
// approval.
func WithApproval(p ApprovalPolicy) Option { return func(h *Handlers) { h.approval = p } }

// WithClock sets the clock and the sleep used while waiting (tests pass a
// simulated clock).
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(h *Handlers) {
		if now != nil {
			h.now = now
		}
		if sleep != nil {
			h.sleep = sleep
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(h *Handlers) { h.log = l } }

// WithCoalesce turns group commit of customer-segment-updated events on or
// off (default on): contacts and variable values for an audience or group
// go to Chat Inc at once when no call for it is in flight; those arriving
// while one is in flight share the next call. Each event is still acked
// only after the call carrying its contacts succeeded.
func WithCoalesce(on bool) Option { return func(h *Handlers) { h.coalesce = on } }
