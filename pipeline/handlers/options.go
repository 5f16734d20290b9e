package handlers

import (
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// Option configures a handler or the RunStarter. Each reads only the
// settings it uses (said on each option); the worker passes one list to all.
type Option func(*settings)

type settings struct {
	clock    clockwork.Clock
	log      *slog.Logger
	numbers  e164.Mapper
	batch    int
	csv      CSVReaderFunc
	opener   Opener
	approval ApprovalPolicy
	observer RunObserver
	coalesce bool
	quiet    quiethours.Window
	zone     *time.Location
	caps     counter
	sends    SendReportPublisher
}

func newSettings(opts []Option) settings {
	s := settings{clock: clockwork.NewRealClock(), log: slog.New(slog.DiscardHandler), numbers: e164.Mapper{DefaultRegion: "ZA"},
		batch: 1000, csv: NewCSVRows, approval: defaultApprovalPolicy(), coalesce: true, zone: time.UTC}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithOpener sets how audience-file-uploaded sources are opened (the
// location policy lives there; FileHandler). Without it file events are a
// permanent error.
func WithOpener(o Opener) Option { return func(s *settings) { s.opener = o } }

// WithCSVReader replaces the streaming CSV reader (default NewCSVRows;
// FileHandler).
func WithCSVReader(f CSVReaderFunc) Option { return func(s *settings) { s.csv = f } }

// WithRunObserver is told about every run started (the results poller;
// RunStarter).
func WithRunObserver(o RunObserver) Option { return func(s *settings) { s.observer = o } }

// WithDefaultRegion sets the region of numbers written without a country
// code (default "ZA"; SegmentHandler, FileHandler).
func WithDefaultRegion(region string) Option {
	return func(s *settings) { s.numbers.DefaultRegion = region }
}

// WithBatchSize sets how many contacts go to Chat Inc per call (default
// 1000, Chat Inc's limit; FileHandler's batches, SegmentHandler's merged
// calls).
func WithBatchSize(n int) Option {
	return func(s *settings) {
		if n > 0 {
			s.batch = n
		}
	}
}

// WithApproval sets how long and how often send-promo polls for template
// approval (PromoHandler).
func WithApproval(p ApprovalPolicy) Option { return func(s *settings) { s.approval = p } }

// WithClock sets the clock (default: the real one; tests pass a fake or
// simulated one).
func WithClock(c clockwork.Clock) Option {
	return func(s *settings) {
		if c != nil {
			s.clock = c
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.log = l } }

// WithCoalesce turns group commit of customer-segment-updated events on or
// off (default on; SegmentHandler): contacts and variable values for an
// audience or group go to Chat Inc at once when no call for it is in
// flight; those arriving while one is in flight share the next call. Each
// event is still acked only after the call carrying its contacts succeeded.
func WithCoalesce(on bool) Option { return func(s *settings) { s.coalesce = on } }

// WithQuietHours sets the quiet hours of promos that give none (config
// promo.quiet_hours; default none; PromoHandler): a run that would start
// inside the window starts at its end.
func WithQuietHours(w quiethours.Window) Option { return func(s *settings) { s.quiet = w } }

// WithDefaultTimeZone sets the zone of a recipient whose zone is unknown,
// and of the quiet hours of a promo not sent at local time and without a
// cron time_zone (config promo.default_time_zone; default UTC;
// PromoHandler).
func WithDefaultTimeZone(loc *time.Location) Option {
	return func(s *settings) {
		if loc != nil {
			s.zone = loc
		}
	}
}

// WithCaps sets the frequency-cap counters (caps.New over the caps
// bucket; PromoHandler). Without it a promo with a frequency_cap is a
// permanent error.
func WithCaps(c *caps.Counter) Option {
	return func(s *settings) {
		if c != nil {
			s.caps = c
		}
	}
}

// WithSendReports sets where send_report.v1 records go (sinks.Publisher;
// PromoHandler).
func WithSendReports(p SendReportPublisher) Option { return func(s *settings) { s.sends = p } }
