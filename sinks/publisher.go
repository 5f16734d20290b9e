package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// Publisher publishes result records to the results stream asynchronously,
// with at most MaxPending unacknowledged messages, each with a Nats-Msg-Id
// so that publishing the same record twice stores it once. Flush waits for
// every ack; a message whose ack failed or timed out is published again with
// the same id (the stream's duplicate window drops a second copy).
type Publisher struct {
	js        jetstream.JetStream
	names     sources.Names
	batchRows int
	inject    func(context.Context, nats.Header)
	retries   int

	mu      sync.Mutex
	pending []pending
	first   error
	sent    int64
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

// Sent counts messages acknowledged by the stream.
func (p *Publisher) Sent() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

// PublishRaw queues one message; Flush reports its fate.
func (p *Publisher) PublishRaw(ctx context.Context, subject, msgID string, data []byte, hdr nats.Header) error {
	if hdr == nil {
		hdr = nats.Header{}
	}
	if p.inject != nil {
		p.inject(ctx, hdr)
	}
	hdr.Set(jetstream.MsgIDHeader, msgID)
	msg := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	fut, err := p.js.PublishMsgAsync(msg)
	if err != nil {
		// Too many pending or not connected: wait for what is out, then try once more.
		if ferr := p.Flush(ctx); ferr != nil {
			return ferr
		}
		if fut, err = p.js.PublishMsgAsync(msg); err != nil {
			return fmt.Errorf("sinks: publishing %s: %w", msgID, err)
		}
	}
	p.mu.Lock()
	p.pending = append(p.pending, pending{msg: msg, fut: fut})
	p.mu.Unlock()
	return nil
}

// Flush waits for every queued message's ack, republishing those that
// failed (same id), and returns the first error that survived the retries.
func (p *Publisher) Flush(ctx context.Context) error {
	p.mu.Lock()
	batch := p.pending
	p.pending = nil
	p.mu.Unlock()
	var first error
	acked := int64(0)
	for _, pd := range batch {
		if err := p.await(ctx, pd); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		acked++
	}
	p.mu.Lock()
	p.sent += acked
	p.mu.Unlock()
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

func (p *Publisher) publishJSON(ctx context.Context, subject, msgID string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sinks: encoding %s: %w", msgID, err)
	}
	return p.PublishRaw(ctx, subject, msgID, b, nil)
}

// SnapshotMsgID is the contract's Nats-Msg-Id of a snapshot.
func SnapshotMsgID(campaignID, runID string, poll int) string {
	return campaignID + ":" + runID + ":" + strconv.Itoa(poll)
}

// PublishSnapshot queues a campaign_snapshot.v1 with id campaign:run:poll.
func (p *Publisher) PublishSnapshot(ctx context.Context, s CampaignSnapshot) error {
	s.Schema = SchemaCampaignSnapshot
	return p.publishJSON(ctx, p.names.ResultCampaignSubject(s.CampaignID), SnapshotMsgID(s.CampaignID, s.RunID, s.Poll), s)
}

// PublishContactOutcomes queues rows in batches, with ids campaign:run:poll:batch.
func (p *Publisher) PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []ContactOutcome) error {
	for b, start := 0, 0; start < len(rows); b, start = b+1, start+p.batchRows {
		end := min(start+p.batchRows, len(rows))
		batch := ContactOutcomeBatch{Schema: SchemaContactOutcome, CampaignID: campaignID, RunID: runID, Poll: poll, Batch: b, Rows: rows[start:end]}
		for i := range batch.Rows {
			batch.Rows[i].Schema = SchemaContactOutcome
		}
		id := SnapshotMsgID(campaignID, runID, poll) + ":" + strconv.Itoa(b)
		if err := p.publishJSON(ctx, p.names.ResultContactsSubject(campaignID), id, batch); err != nil {
			return err
		}
	}
	return nil
}

// PublishIngestReport queues an ingest_report.v1 with the event id as its id
// and flushes it.
func (p *Publisher) PublishIngestReport(ctx context.Context, r IngestReport) error {
	r.Schema = SchemaIngestReport
	if r.Rejected == nil {
		r.Rejected = []RowError{}
	}
	if err := p.publishJSON(ctx, p.names.ResultIngestSubject(r.EventID), "ingest:"+r.EventID, r); err != nil {
		return err
	}
	return p.Flush(ctx)
}
