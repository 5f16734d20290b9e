package handlers

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// ChatInc is what the handlers need of the Chat Inc client (*chatinc.Client).
type ChatInc interface {
	ledger.ChatInc
	CreateAudience(ctx context.Context, a chatinc.Audience) (*chatinc.AudienceResult, error)
	CreateVariableGroup(ctx context.Context, g chatinc.VariableGroup) (*chatinc.VariableGroupResult, error)
	RetrieveAudiences(ctx context.Context) ([]chatinc.AudienceInfo, error)
}

// Handlers holds the event handlers and what they share.
type Handlers struct {
	client   ChatInc
	ledger   *ledger.Ledger
	reports  ReportPublisher
	jobs     jetstream.KeyValue
	opener   Opener
	csv      CSVReaderFunc
	observer RunObserver
	numbers  e164.Mapper
	defaults FieldDefaults
	batch    int
	approval ApprovalPolicy
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	log      *slog.Logger
	// coalesce: segment events for an audience or group that arrive while a
	// call for it is in flight share the next call (group commit).
	coalesce  bool
	audiences *coalescer[chatinc.Audience, chatinc.Contact]
	groups    *coalescer[chatinc.VariableGroup, chatinc.VariableValues]
	// untaggedTicks: Chat Inc refused a tick's timeToRun once; ticks run now.
	untaggedTicks atomic.Bool
}

// New returns the handlers. reports receives one ingest report per ingest
// event; see the options for the jobs bucket (cron promos), file opener,
// run observer, default region and approval wait.
func New(client ChatInc, l *ledger.Ledger, reports ReportPublisher, opts ...Option) (*Handlers, error) {
	if client == nil || l == nil || reports == nil {
		return nil, errors.New("handlers: New needs a Chat Inc client, a ledger and a report publisher")
	}
	h := &Handlers{client: client, ledger: l, reports: reports, csv: NewCSVRows, batch: 1000,
		numbers: e164.Mapper{DefaultRegion: "ZA"}, approval: DefaultApprovalPolicy(),
		now: time.Now, sleep: sleepCtx, log: slog.New(slog.DiscardHandler), coalesce: true}
	for _, o := range opts {
		o(h)
	}
	h.audiences = newCoalescer(h.coalesce, h.batch, flushTimeout, h.flushAudience)
	h.groups = newCoalescer(h.coalesce, h.batch, flushTimeout, h.flushGroup)
	return h, nil
}

// flushTimeout bounds a coalesced call (the client's retry budget is shorter).
const flushTimeout = 5 * time.Minute

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
