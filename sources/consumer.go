package sources

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/semaphore"
)

// MessageHandler processes one message and settles it (ack, nak or term).
// The consumer keeps the message alive with in-progress acks until it returns.
type MessageHandler func(ctx context.Context, msg jetstream.Msg)

// Consumer pulls messages from a durable consumer and runs a handler on
// each, with bounded concurrency.
type Consumer struct {
	js          jetstream.JetStream
	stream      string
	durable     string
	handler     MessageHandler
	concurrency int
	maxBytes    int64               // bodies in flight (queued or handled), at most
	bytes       *semaphore.Weighted // the budget of maxBytes
	ackWait     time.Duration
	log         *slog.Logger
	nc          *nats.Conn
	// slots bounds the messages taken from the iterator and not yet settled
	// so that, with a pull's worth buffered in the client, they stay under
	// the consumer's MaxAckPending (made at the first open, with pull).
	slots chan struct{}
	pull  int // messages one pull request asks for (pullBatch)

	lastErr  atomic.Pointer[string]
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	hctx     context.Context
	hcancel  context.CancelFunc
	inflight sync.WaitGroup // messages taken from the iterator and not yet settled
	mu       sync.Mutex
	live     map[jetstream.Msg]struct{} // the same messages, kept alive
}

// ConsumerOption configures a Consumer.
type ConsumerOption func(*Consumer)

// WithConcurrency sets how many messages are handled at once (default 16).
func WithConcurrency(n int) ConsumerOption { return func(c *Consumer) { c.concurrency = n } }

// DefaultMaxInFlightBytes bounds the event bodies a consumer holds (queued
// or being handled) at once. A handler's memory is a few times its body, so
// this keeps a burst of large events from taking the process past a few
// hundred MB whatever the concurrency.
const DefaultMaxInFlightBytes = 8 << 20

// WithMaxInFlightBytes bounds the bytes of the messages held at once
// (default DefaultMaxInFlightBytes; a message larger than the bound is
// handled alone).
func WithMaxInFlightBytes(n int64) ConsumerOption {
	return func(c *Consumer) {
		if n > 0 {
			c.maxBytes = n
		}
	}
}

// WithAckWait tells the consumer the AckWait, to pace in-progress acks at a
// third of it (default: read from the consumer).
func WithAckWait(d time.Duration) ConsumerOption { return func(c *Consumer) { c.ackWait = d } }

// WithLogger logs reconnects and errors.
func WithLogger(l *slog.Logger) ConsumerOption { return func(c *Consumer) { c.log = l } }

// WithConn lets Ready report the NATS connection's state.
func WithConn(nc *nats.Conn) ConsumerOption { return func(c *Consumer) { c.nc = nc } }

// NewConsumer consumes stream/durable (which must exist: see EnsureTopology).
func NewConsumer(js jetstream.JetStream, stream, durable string, h MessageHandler, opts ...ConsumerOption) *Consumer {
	c := &Consumer{js: js, stream: stream, durable: durable, handler: h, concurrency: 16, maxBytes: DefaultMaxInFlightBytes,
		log: slog.New(slog.DiscardHandler), stop: make(chan struct{}), done: make(chan struct{}),
		live: map[jetstream.Msg]struct{}{}}
	for _, o := range opts {
		o(c)
	}
	c.bytes = semaphore.NewWeighted(c.maxBytes)
	c.hctx, c.hcancel = context.WithCancel(context.Background())
	msg := "not started"
	c.lastErr.Store(&msg)
	return c
}

// Ready is nil while the consumer is connected and consuming, else an error
// saying what is wrong.
func (c *Consumer) Ready() error {
	if c.nc != nil && c.nc.Status() != nats.CONNECTED {
		return fmt.Errorf("sources: NATS connection is %s", c.nc.Status())
	}
	if p := c.lastErr.Load(); p != nil {
		return fmt.Errorf("sources: consumer %s: %s", c.durable, *p)
	}
	return nil
}

// Run consumes until ctx ends or Shutdown is called. It recreates its pull
// iterator when the server goes away and comes back.
//
// A reader hands messages to a fixed pool of Concurrency workers through a
// queue of the same size; one keep-alive loop sends in-progress acks every
// AckWait/3 for every message taken from the iterator and not yet settled
// (queued or being handled), so neither a slow handler nor a full queue
// causes a redelivery.
func (c *Consumer) Run(ctx context.Context) error {
	defer close(c.done)
	queue := make(chan jetstream.Msg, c.concurrency)
	var workers sync.WaitGroup
	for range c.concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			c.work(ctx, queue)
		}()
	}
	defer func() {
		close(queue) // workers nak what is still queued and return
		workers.Wait()
	}()
	var keepAlive sync.Once
	backoff := 100 * time.Millisecond
	for {
		if c.stopping(ctx) {
			return nil
		}
		it, err := c.open(ctx)
		if err != nil {
			c.setErr(err.Error())
			c.log.Warn("consumer unavailable; retrying", "consumer", c.durable, "err", err, "in", backoff)
			if !c.wait(ctx, backoff) {
				return nil
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		keepAlive.Do(func() { go c.keepAlive() })
		backoff = 100 * time.Millisecond
		c.lastErr.Store(nil)
		c.consume(ctx, it, queue)
	}
}

// maxPull caps a pull request: messages waiting in the client's buffer,
// which nothing keeps alive yet, are handled well within AckWait, and their
// bodies (up to the server's max payload each) stay a bounded amount of
// memory (128 MB at the default 1 MB).
const maxPull = 128

// pullBatch is how many messages one pull request asks for: half of what
// the server lets the consumer hold unacknowledged (MaxAckPending), at most
// maxPull; the other half is taken and in the handlers' hands (see
// inFlightLimit). Fetching that far ahead keeps the handlers fed while the
// next pull is under way: with pulls of 64 beside 190 messages in flight,
// bench e2e showed the handlers idle in turns, waiting for the next batch
// after a burst, about 0.04 lower a ratio.
func pullBatch(maxAckPending int) int {
	if maxAckPending <= 0 { // no limit
		return maxPull
	}
	return min(maxPull, max(1, maxAckPending/2))
}

func (c *Consumer) open(ctx context.Context) (jetstream.MessagesContext, error) {
	cons, err := c.js.Consumer(ctx, c.stream, c.durable)
	if err != nil {
		return nil, err
	}
	if c.ackWait == 0 {
		c.ackWait = cons.CachedInfo().Config.AckWait
	}
	if c.slots == nil {
		maxAckPending := cons.CachedInfo().Config.MaxAckPending
		c.pull = pullBatch(maxAckPending)
		c.slots = make(chan struct{}, inFlightLimit(maxAckPending, c.pull, c.concurrency))
	}
	// A message count, not a byte limit: a byte limit alone lets thousands
	// of small messages wait in the client's buffer, where nothing keeps
	// them alive, and bytes with a count lets nats.go have more messages
	// outstanding than its channel holds (it drops some as a slow consumer:
	// seen in the ingest benchmark's test). maxPull keeps the count small.
	return cons.Messages(jetstream.PullMaxMessages(c.pull), jetstream.PullHeartbeat(2*time.Second))
}

// inFlightLimit is how many messages may be taken and unsettled at once:
// the handlers and their queue, but fewer than MaxAckPending by a pull's
// worth (which nats.go may hold besides), the reader's one and one more, so
// that the server stays under the limit. At
// MaxAckPending the server hands out one message per ack instead of
// batches, which costs it and the worker CPU for every message.
func inFlightLimit(maxAckPending, pullBatch, concurrency int) int {
	n := 2 * concurrency // the handlers and their queue
	if maxAckPending > 0 {
		under := maxAckPending - pullBatch - 2
		if under < 1 {
			// A MaxAckPending of a few: staying under it would starve the
			// handlers; the server's limit bounds them as before.
			under = maxAckPending
		}
		n = min(n, under)
	}
	return max(n, 1)
}

// takeSlot waits for room under the in-flight limit; false when ctx ends
// or the consumer stops first.
func (c *Consumer) takeSlot(ctx context.Context) bool {
	select {
	case c.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case c.slots <- struct{}{}:
		return true
	case <-c.stop:
		return false
	case <-ctx.Done():
		return false
	}
}

func (c *Consumer) freeSlot() { <-c.slots }

// nextRecheck is how long the first Next after a message waits before Next
// is called once more. nats.go's iterator decides whether to send its next
// pull request only at the start of Next, and skips it while its previous
// request is still being published. Under load the goroutine publishing it
// can be descheduled after the send (a contended connection lock hands off
// and yields) for long enough that the whole batch arrives and is taken
// first; the last Next then waits with nothing requested until two
// heartbeats are missed (4 s): about one drain in four of bench e2e stalled
// so. Looking again after nextRecheck makes that a pause of at most this
// long; the Next after that blocks, so its heartbeat check (which starts
// afresh with each call) still finds a server that went quiet.
const nextRecheck = 50 * time.Millisecond

// next is it.Next, bounded by nextRecheck when recheck is set.
func next(it jetstream.MessagesContext, recheck bool) (jetstream.Msg, error) {
	if recheck {
		return it.Next(jetstream.NextMaxWait(nextRecheck))
	}
	return it.Next()
}

// consume queues messages for the workers until the iterator breaks or we
// stop.
func (c *Consumer) consume(ctx context.Context, it jetstream.MessagesContext, queue chan<- jetstream.Msg) {
	stopIt := make(chan struct{})
	defer close(stopIt)
	go func() {
		select {
		case <-ctx.Done():
		case <-c.stop:
		case <-stopIt:
		}
		it.Stop()
	}()
	failures := 0
	recheck := false
	for {
		msg, err := next(it, recheck)
		if err != nil {
			if c.stopping(ctx) || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			if errors.Is(err, nats.ErrTimeout) {
				recheck = false // looked again (see nextRecheck); now wait, watching heartbeats
				continue
			}
			c.setErr(err.Error())
			failures++
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) || failures >= 3 {
				c.log.Warn("consumer lost; reopening", "consumer", c.durable, "err", err)
				return
			}
			continue
		}
		failures, recheck = 0, true
		c.lastErr.Store(nil)
		c.track(msg)
		// Wait for room under the in-flight limit and in the byte budget
		// (kept alive meanwhile: tracked).
		if !c.takeSlot(ctx) {
			c.settleUnhandled(msg)
			return
		}
		if !c.acquire(ctx, c.weight(msg)) {
			c.freeSlot()
			c.settleUnhandled(msg)
			return
		}
		select {
		case queue <- msg:
		case <-c.stop:
			c.bytes.Release(c.weight(msg))
			c.freeSlot()
			c.settleUnhandled(msg)
			return
		case <-ctx.Done():
			c.bytes.Release(c.weight(msg))
			c.freeSlot()
			c.settleUnhandled(msg)
			return
		}
	}
}

// weight is what msg takes of the byte budget: its size (at least 1 KB for
// the handling around it), at most the whole budget.
func (c *Consumer) weight(msg jetstream.Msg) int64 {
	n := int64(len(msg.Data()))
	for k, vs := range msg.Headers() {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v))
		}
	}
	return min(max(n, 1<<10), c.maxBytes)
}

// acquire takes n of the byte budget, waiting while it is spent; false when
// ctx ends or the consumer stops first.
func (c *Consumer) acquire(ctx context.Context, n int64) bool {
	if c.bytes.TryAcquire(n) {
		return true
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-wctx.Done():
		}
	}()
	return c.bytes.Acquire(wctx, n) == nil
}

// work handles queued messages; once stopping, it naks them instead.
func (c *Consumer) work(ctx context.Context, queue <-chan jetstream.Msg) {
	for msg := range queue {
		if c.stopping(ctx) {
			c.settleUnhandled(msg)
			c.bytes.Release(c.weight(msg))
			c.freeSlot()
			continue
		}
		c.handler(c.hctx, msg)
		c.untrack(msg)
		c.bytes.Release(c.weight(msg))
		c.freeSlot()
	}
}

// settleUnhandled hands a message that was never handled back at once.
func (c *Consumer) settleUnhandled(msg jetstream.Msg) {
	_ = msg.Nak()
	c.untrack(msg)
}

// track counts msg as in flight (Shutdown waits for it) and keeps it alive.
func (c *Consumer) track(msg jetstream.Msg) {
	c.inflight.Add(1)
	c.mu.Lock()
	c.live[msg] = struct{}{}
	c.mu.Unlock()
}

func (c *Consumer) untrack(msg jetstream.Msg) {
	c.mu.Lock()
	delete(c.live, msg)
	c.mu.Unlock()
	c.inflight.Done()
}

// keepAlive sends an in-progress ack for every tracked message every
// AckWait/3.
func (c *Consumer) keepAlive() {
	every := c.ackWait / 3
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var batch []jetstream.Msg
	for {
		select {
		case <-t.C:
		case <-c.hctx.Done():
			return
		case <-c.done:
			return
		}
		batch = batch[:0]
		c.mu.Lock()
		for m := range c.live {
			batch = append(batch, m)
		}
		c.mu.Unlock()
		for _, m := range batch {
			_ = m.InProgress()
		}
	}
}

func (c *Consumer) stopping(ctx context.Context) bool {
	select {
	case <-c.stop:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

func (c *Consumer) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-c.stop:
		return false
	}
}

func (c *Consumer) setErr(s string) { c.lastErr.Store(&s) }

// InFlight names the messages taken and not yet settled (queued or being
// handled): subject and message id, sorted.
func (c *Consumer) InFlight() []string {
	c.mu.Lock()
	out := make([]string, 0, len(c.live))
	for m := range c.live {
		name := m.Subject()
		if id := m.Headers().Get(jetstream.MsgIDHeader); id != "" {
			name += " " + id
		}
		out = append(out, name)
	}
	c.mu.Unlock()
	slices.Sort(out)
	return out
}

// Shutdown stops fetching and waits for in-flight handlers until ctx ends;
// then it cancels their context, so they nak what is unfinished, and waits
// for them to return.
func (c *Consumer) Shutdown(ctx context.Context) error {
	c.stopOnce.Do(func() { close(c.stop) })
	finished := make(chan struct{})
	go func() { c.inflight.Wait(); close(finished) }()
	var err error
	select {
	case <-finished:
	case <-ctx.Done():
		err = fmt.Errorf("sources: grace period over with handlers still running; cancelling them")
		c.hcancel()
		<-finished
	}
	c.hcancel()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
	}
	return err
}
