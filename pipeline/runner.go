package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// DLQ headers (contract).
const (
	HeaderError           = "Campaignflow-Error"
	HeaderErrorClass      = "Campaignflow-Error-Class"
	HeaderAttempts        = "Campaignflow-Attempts"
	HeaderOriginalSubject = "Campaignflow-Original-Subject"
	HeaderOriginalSeq     = "Campaignflow-Original-Seq"
	HeaderFailedAt        = "Campaignflow-Failed-At"
	HeaderOriginalMsgID   = "Campaignflow-Original-Msg-Id"
	HeaderEventType       = "Campaignflow-Event-Type"
	// HeaderBodyOmitted is set on a dead letter published without the
	// original body (it did not fit); the value names where the body is.
	HeaderBodyOmitted = "Campaignflow-Body-Omitted"
)

// Outcome is what the runner did with a message.
type Outcome string

// Outcomes.
const (
	OutcomeAck        Outcome = "ack"
	OutcomeNak        Outcome = "nak"
	OutcomeDeadLetter Outcome = "dead_letter"
)

// RunnerObserver sees every message's outcome (telemetry plugs in here).
type RunnerObserver interface {
	OnOutcome(ctx context.Context, eventType string, outcome Outcome, class Class, d time.Duration)
}

// Runner processes JetStream messages with a Handler and settles each one:
// nil -> Ack; transient -> NakWithDelay (backoff by delivery count, at
// least Retry-After); validation, permanent, decode, or transient on the
// last allowed delivery -> dead letter on the DLQ stream, then Term. When the
// dead letter cannot be published the message is Nak'ed: nothing is lost.
type Runner struct {
	js         jetstream.JetStream
	names      sources.Names
	h          Handler
	maxDeliver uint64
	log        *slog.Logger
	obs        RunnerObserver
	clock      clockwork.Clock
	base, max  time.Duration
	naks       nakLog
}

// RunnerOption configures a Runner.
type RunnerOption func(*Runner)

// WithMaxDeliver must match the consumer's MaxDeliver (default 10).
func WithMaxDeliver(n int) RunnerOption { return func(r *Runner) { r.maxDeliver = uint64(n) } }

// WithLogger logs dead letters and settle failures.
func WithLogger(l *slog.Logger) RunnerOption { return func(r *Runner) { r.log = l } }

// WithObserver reports outcomes.
func WithObserver(o RunnerObserver) RunnerOption { return func(r *Runner) { r.obs = o } }

// WithNakBackoff sets the first and largest redelivery delay (default 1s, 5m).
func WithNakBackoff(base, max time.Duration) RunnerOption {
	return func(r *Runner) { r.base, r.max = base, max }
}

// WithNakLogInterval sets how often the naks of one message are logged: its
// first nak always, then at most one line per interval (default 1m).
func WithNakLogInterval(d time.Duration) RunnerOption {
	return func(r *Runner) { r.naks.interval = d }
}

// WithClock sets the clock of Campaignflow-Failed-At, handler timings and
// the nak log (default: the real one).
func WithClock(c clockwork.Clock) RunnerOption { return func(r *Runner) { r.clock = c } }

// NewRunner returns a runner dead-lettering to names.DLQStream's subjects.
func NewRunner(js jetstream.JetStream, names sources.Names, h Handler, opts ...RunnerOption) *Runner {
	r := &Runner{js: js, names: names, h: h, maxDeliver: 10, log: slog.New(slog.DiscardHandler),
		clock: clockwork.NewRealClock(), base: time.Second, max: 5 * time.Minute, naks: nakLog{interval: time.Minute}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Process decodes, handles and settles one message. It never returns an
// error: every path ends in an ack, a nak or a dead letter.
func (r *Runner) Process(ctx context.Context, msg jetstream.Msg) {
	start := r.clock.Now()
	m, err := Decode(msg, r.names)
	switch {
	case err == nil && m.Delivered > r.maxDeliver:
		// The consumer redelivers without limit (so a dead letter that could
		// not be published is never lost); a message delivered more often
		// than allowed was never settled: its worker crashed or stalled.
		err = Transient(fmt.Errorf("pipeline: event %s delivered %d times (consumer.max_deliver %d) without being settled: a worker stopped while handling it", m.ID, m.Delivered, r.maxDeliver), 0)
	case err == nil:
		err = r.h(ctx, m)
	}
	class := ClassOf(err)
	outcome := OutcomeAck
	switch {
	case err == nil:
		// A plain ack, not a double ack: the effect is done and recorded in
		// the ledger, so an ack lost on the way is a redelivery that the
		// ledger reconciles, and waiting for the server's confirmation would
		// halve the rate.
		if aerr := msg.Ack(); aerr != nil {
			r.log.WarnContext(ctx, "ack failed; the message will be redelivered and its effect reconciled", append(eventAttrs(m), "err", aerr)...)
		}
	case class == ClassTransient && ctx.Err() != nil:
		outcome = OutcomeNak // shutting down: hand it back at once
		_ = msg.Nak()
	case class == ClassTransient && m.Delivered < r.maxDeliver:
		outcome = OutcomeNak
		d := r.delay(m.Delivered, RetryAfterOf(err))
		r.logNak(ctx, m, d, err)
		_ = msg.NakWithDelay(d)
	default:
		if class == ClassTransient {
			class = ClassExhausted
		}
		outcome = OutcomeDeadLetter
		// Settle even when ctx was cancelled (shutdown): a short fresh context.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if derr := r.deadLetter(sctx, msg, m, class, err); derr != nil {
			outcome = OutcomeNak
			r.log.ErrorContext(ctx, "dead letter could not be published; nak'ed instead", append(eventAttrs(m), "err", derr)...)
			_ = msg.NakWithDelay(r.delay(m.Delivered, 0))
		}
	}
	if outcome != OutcomeNak && m.Delivered > 1 {
		r.naks.forget(m.StreamSeq)
	}
	if r.obs != nil {
		r.obs.OnOutcome(ctx, m.Type, outcome, class, r.clock.Now().Sub(start))
	}
}

// logNak says why m goes back and when it comes again: on its first nak,
// then at most once per interval (WithNakLogInterval).
func (r *Runner) logNak(ctx context.Context, m *Message, delay time.Duration, err error) {
	ok, suppressed := r.naks.allow(m.StreamSeq, r.clock.Now())
	if !ok {
		return
	}
	attrs := append(eventAttrs(m), "attempt", m.Delivered, "max_deliver", r.maxDeliver,
		"next_delay", delay.Round(time.Millisecond).String(), "err", Truncate(err.Error(), MaxErrorHeader))
	if suppressed > 0 {
		attrs = append(attrs, "naks_not_logged", suppressed)
	}
	r.log.WarnContext(ctx, "event failed, will retry", attrs...)
}

// delay is base*2^(delivered-1) with ±20% jitter, capped, at least retryAfter.
func (r *Runner) delay(delivered uint64, retryAfter time.Duration) time.Duration {
	d := r.base
	for i := uint64(1); i < delivered && d < r.max; i++ {
		d *= 2
	}
	d = min(d, r.max)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return max(d, retryAfter)
}

func (r *Runner) deadLetter(ctx context.Context, msg jetstream.Msg, m *Message, class Class, cause error) error {
	if cause == nil {
		cause = errors.New("unknown")
	}
	dl := deadLetterHeader(msg, m, class, cause, r.clock.Now(), r.names.EventsStream)
	out := &nats.Msg{Subject: r.names.DLQSubject(m.Type), Header: dl.full, Data: msg.Data()}
	if _, err := r.js.PublishMsg(ctx, out); err != nil {
		// Too large (or refused): a dead letter without the body, naming
		// where the body is, still records the failure. Only when that
		// fails too is the message nak'ed (the consumer redelivers without
		// limit, so it is never lost).
		out = &nats.Msg{Subject: out.Subject, Header: dl.slim}
		out.Header.Set(HeaderBodyOmitted, fmt.Sprintf("%d bytes not published (%v); the original is %s sequence %d",
			len(msg.Data()), err, r.names.EventsStream, m.StreamSeq))
		if _, err2 := r.js.PublishMsg(ctx, out); err2 != nil {
			return fmt.Errorf("pipeline: publishing dead letter for %s: %w (without its body: %v)", m.ID, err, err2)
		}
	}
	r.log.WarnContext(ctx, "event dead-lettered", append(eventAttrs(m), "class", class.String(), "attempts", m.Delivered, "err", Truncate(cause.Error(), MaxErrorHeader))...)
	if err := msg.Term(); err != nil {
		r.log.WarnContext(ctx, "term after dead letter failed", append(eventAttrs(m), "err", err)...)
	}
	return nil
}

// eventAttrs are the attributes of every runner log line about m: its id,
// type and, when tracing middleware ran, its trace id.
func eventAttrs(m *Message) []any {
	attrs := []any{"event_id", m.ID, "event_type", m.Type}
	if m.TraceID != "" {
		attrs = append(attrs, "trace_id", m.TraceID)
	}
	return attrs
}
