package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// Publisher publishes result records to the results stream, each with a
// Nats-Msg-Id so that publishing the same record twice stores it once. Each
// Publish method publishes asynchronously and returns when its own messages
// are acknowledged: a caller waits only for its own publishes and learns
// only its own failures. A message whose ack failed or timed out is
// published again with the same id (the stream's duplicate window drops a
// second copy). For many records at once use a Batch.
type Publisher struct {
	js        jetstream.JetStream
	names     sources.Names
	batchRows int
	inject    func(context.Context, nats.Header)
	retries   int
}

type pending struct {
	msg *nats.Msg
	fut jetstream.PubAckFuture
}

// PublisherOption configures a Publisher.
type PublisherOption func(*Publisher)

// WithBatchRows sets how many contact outcomes go in one message (default 500).
func WithBatchRows(n int) PublisherOption { return func(p *Publisher) { p.batchRows = n } }

// WithHeaderInjector adds headers (trace context) from ctx to every message.
func WithHeaderInjector(f func(context.Context, nats.Header)) PublisherOption {
	return func(p *Publisher) { p.inject = f }
}

// NewPublisher publishes to the subjects of names. The JetStream context
// should be made with jetstream.WithPublishAsyncMaxPending to bound pending.
func NewPublisher(js jetstream.JetStream, names sources.Names, opts ...PublisherOption) *Publisher {
	p := &Publisher{js: js, names: names, batchRows: 500, retries: 5}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Batch collects the publishes of one caller: its Publish methods queue
// (asynchronously, at most the JetStream context's max pending in flight)
// and Wait waits for the acks of this batch's messages only. A Batch is for
// one goroutine.
type Batch struct {
	p       *Publisher
	pending []pending
}

// Batch starts a batch of publishes.
func (p *Publisher) Batch() *Batch { return &Batch{p: p} }

// PublishRaw publishes one message and waits for its ack.
func (p *Publisher) PublishRaw(ctx context.Context, subject, msgID string, data []byte, hdr nats.Header) error {
	b := p.Batch()
	if err := b.PublishRaw(ctx, subject, msgID, data, hdr); err != nil {
		return err
	}
	return b.Wait(ctx)
}

// Flush is kept for callers of the queued API: every Publish method has
// already waited for its own acks, so there is nothing left to wait for.
func (p *Publisher) Flush(context.Context) error { return nil }

// PublishRaw queues one message; Wait reports its fate.
func (b *Batch) PublishRaw(ctx context.Context, subject, msgID string, data []byte, hdr nats.Header) error {
	p := b.p
	if hdr == nil {
		hdr = nats.Header{}
	}
	if p.inject != nil {
		p.inject(ctx, hdr)
	}
	hdr.Set(jetstream.MsgIDHeader, msgID)
	msg := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	fut, err := p.js.PublishMsgAsync(msg)
	for try := 0; err != nil && try < 5; try++ {
		// Too many pending or not connected: wait for our own, then try again
		// (PublishMsgAsync itself stalls a while for others' acks).
		if werr := b.Wait(ctx); werr != nil {
			return werr
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fut, err = p.js.PublishMsgAsync(msg)
	}
	if err != nil {
		return fmt.Errorf("sinks: publishing %s: %w", msgID, err)
	}
	b.pending = append(b.pending, pending{msg: msg, fut: fut})
	return nil
}

// Wait waits for the ack of every message this batch queued, republishing
// those that failed (same id), and returns the first error that survived
// the retries.
func (b *Batch) Wait(ctx context.Context) error {
	batch := b.pending
	b.pending = nil
	var first error
	for _, pd := range batch {
		if err := b.p.await(ctx, pd); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (p *Publisher) await(ctx context.Context, pd pending) error {
	var err error
	for attempt := 0; ; attempt++ {
		select {
		case <-pd.fut.Ok():
			return nil
		case err = <-pd.fut.Err():
		case <-ctx.Done():
			return fmt.Errorf("sinks: waiting for ack of %s: %w", pd.msg.Header.Get(jetstream.MsgIDHeader), ctx.Err())
		}
		if attempt >= p.retries {
			return fmt.Errorf("sinks: publishing %s to %s: %w", pd.msg.Header.Get(jetstream.MsgIDHeader), pd.msg.Subject, err)
		}
		// Republish synchronously with the same id: dedupe makes it safe.
		wait := time.Duration(attempt+1) * 200 * time.Millisecond
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, serr := p.js.PublishMsg(actx, pd.msg)
		cancel()
		if serr == nil {
			return nil
		}
		err = serr
		if errors.Is(serr, context.Canceled) {
			return serr
		}
		f, ferr := p.js.PublishMsgAsync(pd.msg)
		if ferr != nil {
			continue
		}
		pd.fut = f
	}
}

func (b *Batch) publishJSON(ctx context.Context, subject, msgID string, v any) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sinks: encoding %s: %w", msgID, err)
	}
	return b.PublishRaw(ctx, subject, msgID, buf, nil)
}

// snapshotMsgID is the contract's Nats-Msg-Id of a snapshot.
func snapshotMsgID(campaignID, runID string, poll int) string {
	return campaignID + ":" + runID + ":" + strconv.Itoa(poll)
}

// PublishSnapshot publishes a campaign_snapshot.v1 with id campaign:run:poll
// and waits for its ack.
func (p *Publisher) PublishSnapshot(ctx context.Context, s CampaignSnapshot) error {
	b := p.Batch()
	if err := b.PublishSnapshot(ctx, s); err != nil {
		return err
	}
	return b.Wait(ctx)
}

// PublishContactOutcomes publishes rows in batches, with ids
// campaign:run:poll:batch, and waits for their acks.
func (p *Publisher) PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []ContactOutcome) error {
	b := p.Batch()
	if err := b.PublishContactOutcomes(ctx, campaignID, runID, poll, rows); err != nil {
		_ = b.Wait(ctx)
		return err
	}
	return b.Wait(ctx)
}

// PublishIngestReport publishes an ingest_report.v1 with the event id as
// its id and waits for its ack.
func (p *Publisher) PublishIngestReport(ctx context.Context, r IngestReport) error {
	b := p.Batch()
	if err := b.PublishIngestReport(ctx, r); err != nil {
		return err
	}
	return b.Wait(ctx)
}

// PublishSnapshot queues a campaign_snapshot.v1 with id campaign:run:poll.
func (b *Batch) PublishSnapshot(ctx context.Context, s CampaignSnapshot) error {
	s.Schema = SchemaCampaignSnapshot
	return b.publishJSON(ctx, b.p.names.ResultCampaignSubject(s.CampaignID), snapshotMsgID(s.CampaignID, s.RunID, s.Poll), s)
}

// PublishContactOutcomes queues rows in batches, with ids campaign:run:poll:batch.
func (b *Batch) PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []ContactOutcome) error {
	p := b.p
	for n, start := 0, 0; start < len(rows); n, start = n+1, start+p.batchRows {
		end := min(start+p.batchRows, len(rows))
		batch := ContactOutcomeBatch{Schema: SchemaContactOutcome, CampaignID: campaignID, RunID: runID, Poll: poll, Batch: n, Rows: rows[start:end]}
		for i := range batch.Rows {
			batch.Rows[i].Schema = SchemaContactOutcome
		}
		id := snapshotMsgID(campaignID, runID, poll) + ":" + strconv.Itoa(n)
		if err := b.publishJSON(ctx, p.names.ResultContactsSubject(campaignID), id, batch); err != nil {
			return err
		}
	}
	return nil
}

// PublishIngestReport queues an ingest_report.v1 with the event id as its id.
func (b *Batch) PublishIngestReport(ctx context.Context, r IngestReport) error {
	r.Schema = SchemaIngestReport
	if r.Rejected == nil {
		r.Rejected = []RowError{}
	}
	return b.publishJSON(ctx, b.p.names.ResultIngestSubject(r.EventID), "ingest:"+r.EventID, r)
}

// PublishSendReport publishes a send_report.v1 with id send:<runKey> and
// waits for its ack.
func (p *Publisher) PublishSendReport(ctx context.Context, r SendReport) error {
	r.Schema = SchemaSendReport
	if r.Audiences == nil {
		r.Audiences = []string{}
	}
	b := p.Batch()
	if err := b.publishJSON(ctx, p.names.ResultSendSubject(r.PromoID), "send:"+r.RunKey, r); err != nil {
		return err
	}
	return b.Wait(ctx)
}
