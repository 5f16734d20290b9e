package sinks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// sinkCore is what the file sink and the blob sink share: the open files
// and the messages whose rows they hold, the sequence bookkeeping and its
// redelivery rule, the durable consumer that delivers from just after the
// committed sequence, and a fetch that Shutdown ends at once. Each sink
// embeds one and keeps its own commit (files renamed in a directory, or
// objects uploaded under a state key).
type sinkCore struct {
	kind     string // "file sink" or "blob sink", in logs and errors
	js       jetstream.JetStream
	names    sources.Names
	log      *slog.Logger
	clock    clockwork.Clock
	rollSize int64
	rollAge  time.Duration
	// fetchWait is how long a fetch waits for a first message (pullWait; a
	// test makes it long to see that Shutdown does not wait for it).
	fetchWait time.Duration
	// newFile opens the file of a table and day (YYYY-MM-DD).
	newFile func(table, day string) (tableFile, error)

	open      map[string]tableFile // by table + "/dt=" + day
	pending   []jetstream.Msg      // messages whose rows are in open files
	lastSeq   uint64               // every sequence up to here is written (open or committed) or terminated
	committed uint64               // every sequence up to here is committed (or terminated)
	opened    time.Time            // when the first pending message arrived

	stopOnce sync.Once
	stop     chan struct{}
	stopCtx  context.Context // done at Shutdown: ends a fetch at once
	stopFn   context.CancelFunc
	done     chan struct{}
	written  atomic.Int64
	skipped  atomic.Int64
	held     atomic.Int64 // len(pending), for other goroutines
}

// rollDefaults checks the format and fills in the defaults both sinks
// share: Parquet, roll at 64 MiB or 5m, ack wait 2×roll age+1m (a message
// redelivered while its first copy waits in an open file is skipped).
func rollDefaults(format *string, rollSize *int64, rollAge, ackWait *time.Duration) error {
	if *format == "" {
		*format = FormatParquet
	}
	if *format != FormatParquet && *format != FormatNDJSON {
		return fmt.Errorf("sinks: sink format %q must be parquet or ndjson (--sink-format or sinks.format)", *format)
	}
	if *rollSize <= 0 {
		*rollSize = 64 << 20
	}
	if *rollAge <= 0 {
		*rollAge = 5 * time.Minute
	}
	if *ackWait <= 0 {
		*ackWait = 2*(*rollAge) + time.Minute
	}
	return nil
}

// init sets up c; the sink sets newFile.
func (c *sinkCore) init(kind string, js jetstream.JetStream, names sources.Names, rollSize int64, rollAge time.Duration) {
	c.kind, c.js, c.names, c.rollSize, c.rollAge = kind, js, names, rollSize, rollAge
	c.log, c.clock, c.fetchWait = slog.New(slog.DiscardHandler), clockwork.NewRealClock(), pullWait
	c.open, c.stop, c.done = map[string]tableFile{}, make(chan struct{}), make(chan struct{})
	c.stopCtx, c.stopFn = context.WithCancel(context.Background())
}

// requestStop begins Shutdown: the loop commits what is open and returns.
func (c *sinkCore) requestStop() { c.stopOnce.Do(func() { close(c.stop); c.stopFn() }) }

// Written counts rows in committed files (or objects).
func (c *sinkCore) Written() int64 { return c.written.Load() }

// Pending counts messages whose rows are in open files, waiting for the
// next roll (and their ack).
func (c *sinkCore) Pending() int64 { return c.held.Load() }

// Skipped counts redelivered messages skipped because their rows were
// already written.
func (c *sinkCore) Skipped() int64 { return c.skipped.Load() }

func (c *sinkCore) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-c.stop:
	}
}

// createConsumer (re)creates the durable consumer so that it delivers from
// just after the committed sequence (or the consumer's ack floor, if higher
// and floorCounts): what is committed, not the consumer's pending acks,
// says what is written. Unacked deliveries of a crashed run are thereby
// redelivered now rather than after the ack wait, and those already
// committed are not delivered again.
func (c *sinkCore) createConsumer(ctx context.Context, durable, description string, ackWait time.Duration, floorCounts bool) (jetstream.Consumer, error) {
	start := c.committed
	old, err := c.js.Consumer(ctx, c.names.ResultsStream, durable)
	switch {
	case err == nil:
		if floor := old.CachedInfo().AckFloor.Stream; floor > start && floorCounts {
			start = floor
		}
		if err := c.js.DeleteConsumer(ctx, c.names.ResultsStream, durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("sinks: resetting %s consumer %s: %w", c.kind, durable, err)
		}
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, fmt.Errorf("sinks: looking up %s consumer %s on stream %s (is the results stream there?): %w",
			c.kind, durable, c.names.ResultsStream, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable: durable, Description: description, AckPolicy: jetstream.AckExplicitPolicy,
		FilterSubject: c.names.ResultsFilter(), AckWait: ackWait, MaxAckPending: 100000,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if start > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, start+1
	}
	cons, err := createFresh(ctx, c.js, c.names.ResultsStream, cfg)
	if err != nil {
		return nil, fmt.Errorf("sinks: creating %s consumer %s on stream %s: %w", c.kind, durable, c.names.ResultsStream, err)
	}
	c.committed, c.lastSeq = start, start
	return cons, nil
}

// fetch asks for up to 500 messages, waiting at most pullWait for the first,
// and less when ctx ends or Shutdown begins (which then commits at once).
// Messages a cancelled fetch leaves unread are redelivered to the next
// run, whose consumer starts after the committed sequence.
func (c *sinkCore) fetch(ctx context.Context, cons jetstream.Consumer) (jetstream.MessageBatch, error) {
	fctx, cancel := context.WithTimeout(ctx, c.fetchWait)
	stop := context.AfterFunc(c.stopCtx, cancel)
	batch, err := cons.Fetch(500, jetstream.FetchContext(fctx))
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	return cancelAfter{MessageBatch: batch, stop: stop, cancel: cancel}, nil
}

// ended says whether the consuming loop ends: when ctx has ended (the open
// files are dropped, their messages redelivered later) or Shutdown began
// (they are committed; commit's error is returned).
func (c *sinkCore) ended(ctx context.Context, commit func() error) (bool, error) {
	select {
	case <-ctx.Done():
		c.abandon()
		return true, nil
	case <-c.stop:
		return true, commit()
	default:
		return false, nil
	}
}

// fetchAndWrite fetches one batch and writes its messages, committing
// whenever dueToRoll says so. It returns how many messages came, the
// fetch's error (nil, or one for the loop to judge: none came, the
// consumer is gone ...) and a fatal error: a write failed (the open files
// are then dropped) or a commit did.
func (c *sinkCore) fetchAndWrite(ctx context.Context, cons jetstream.Consumer, dueToRoll func() bool, commit func() error) (
	n int, fetchErr, fatal error) {
	batch, err := c.fetch(ctx, cons)
	if err != nil {
		return 0, err, nil
	}
	for msg := range batch.Messages() {
		n++
		if err := c.write(msg); err != nil {
			c.abandon()
			return n, nil, err
		}
		if dueToRoll() {
			if err := commit(); err != nil {
				return n, nil, err
			}
		}
	}
	return n, batch.Error(), nil
}

// cancelAfter releases a fetch's context once its messages are read.
type cancelAfter struct {
	jetstream.MessageBatch
	stop   func() bool
	cancel context.CancelFunc
}

func (c cancelAfter) Error() error {
	err := c.MessageBatch.Error()
	c.stop()
	c.cancel()
	return err
}

// quietFetchErr says a fetch error means only that nothing came in time
// (or that the fetch was cut short by Shutdown or ctx).
func quietFetchErr(err error) bool {
	return err == nil || errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled)
}

// write puts msg's rows into the open files. A redelivery of a message
// already written is skipped (and acked if its rows are committed; its
// first copy is acked with its file otherwise). An undecodable message is
// terminated (and logged); only a failing file write is an error.
func (c *sinkCore) write(msg jetstream.Msg) error {
	meta, err := msg.Metadata()
	if err != nil {
		c.log.Error(c.kind+": dropping a message without JetStream metadata", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return nil
	}
	seq := meta.Sequence.Stream
	if seq <= c.lastSeq {
		c.skipped.Add(1)
		if seq <= c.committed {
			_ = msg.Ack()
		}
		return nil
	}
	table, rows, err := decodeResult(c.names, msg.Subject(), msg.Data())
	if err != nil {
		c.log.Error(c.kind+": dropping an unreadable result (terminated)", "subject", msg.Subject(), "seq", seq, "err", err)
		_ = msg.Term()
		c.lastSeq = seq
		return nil
	}
	if len(c.pending) == 0 {
		c.opened = c.clock.Now()
	}
	if len(rows) > 0 {
		day := meta.Timestamp.UTC().Format("2006-01-02")
		key := table + "/dt=" + day
		tf, ok := c.open[key]
		if !ok {
			if tf, err = c.newFile(table, day); err != nil {
				return err
			}
			c.open[key] = tf
		}
		if err := tf.write(rows); err != nil {
			return err
		}
	}
	c.pending = append(c.pending, msg)
	c.held.Store(int64(len(c.pending)))
	c.lastSeq = seq
	return nil
}

// dueToRoll says the open files are old or big enough to commit.
func (c *sinkCore) dueToRoll() bool {
	if len(c.pending) == 0 {
		return false
	}
	if c.clock.Now().Sub(c.opened) >= c.rollAge {
		return true
	}
	var size int64
	for _, tf := range c.open {
		size += tf.size()
	}
	return size >= c.rollSize
}

// ackPending acks the messages of a commit and flushes: acks are
// fire-and-forget; make sure they left before, say, a drain.
func (c *sinkCore) ackPending() {
	for _, m := range c.pending {
		_ = m.Ack()
	}
	if nc := c.js.Conn(); nc != nil {
		if err := nc.FlushTimeout(5 * time.Second); err != nil {
			c.log.Warn(c.kind+": acks not confirmed sent; the messages will be skipped when redelivered", "err", err)
		}
	}
}

// committedTo records that every sequence up to seq is committed and
// nothing is open.
func (c *sinkCore) committedTo(seq uint64) {
	c.committed = seq
	c.open, c.pending = map[string]tableFile{}, nil
	c.held.Store(0)
}

// abandon drops the open files without committing and naks their messages
// so they are redelivered.
func (c *sinkCore) abandon() {
	for _, tf := range c.open {
		tf.discard()
	}
	for _, m := range c.pending {
		_ = m.Nak()
	}
	c.open, c.pending = map[string]tableFile{}, nil
	c.held.Store(0)
	c.lastSeq = c.committed
}
