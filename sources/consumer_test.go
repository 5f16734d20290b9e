package sources_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

type seen struct {
	mu    sync.Mutex
	ids   map[string]int
	count chan struct{}
}

func newSeen() *seen { return &seen{ids: map[string]int{}, count: make(chan struct{}, 100000)} }

func (s *seen) add(id string) {
	s.mu.Lock()
	s.ids[id]++
	s.mu.Unlock()
	s.count <- struct{}{}
}

func (s *seen) waitN(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for i := 0; i < n; i++ {
		select {
		case <-s.count:
		case <-deadline:
			t.Fatalf("only %d of %d messages handled within %v", i, n, d)
		}
	}
}

func setup(t *testing.T, opts sources.TopologyOptions) (*natsEnv, *sources.Topology) {
	t.Helper()
	srv, url := natstest.RunJetStream(t)
	nc := natstest.Connect(t, url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	js, _ := jetstream.New(nc)
	top, err := sources.EnsureTopology(context.Background(), js, sources.DefaultNames(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &natsEnv{srv: srv, nc: nc, js: js}, top
}

type natsEnv struct {
	srv *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

func publishN(t *testing.T, js jetstream.JetStream, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := js.Publish(context.Background(), "chatinc.events.test", []byte(fmt.Sprint(i)), jetstream.WithMsgID(fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, c *sources.Consumer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = c.Shutdown(sctx)
		cancel()
		<-done
	})
}

func TestConsumerHandlesAll(t *testing.T) {
	e, top := setup(t, sources.DefaultTopologyOptions())
	s := newSeen()
	c := sources.NewConsumer(e.js, top.Names.EventsStream, top.Names.EventsConsumer, func(_ context.Context, m jetstream.Msg) {
		s.add(string(m.Data()))
		_ = m.Ack()
	}, sources.WithConcurrency(8), sources.WithConn(e.nc))
	run(t, c)
	publishN(t, e.js, 0, 200)
	s.waitN(t, 200, 20*time.Second)
	if len(s.ids) != 200 {
		t.Fatalf("%d distinct messages, want 200", len(s.ids))
	}
	if err := c.Ready(); err != nil {
		t.Fatalf("Ready = %v", err)
	}
}

// TestSlowHandlerIsKeptAlive holds a handler for three AckWaits: thanks to
// in-progress acks the message is not redelivered.
func TestSlowHandlerIsKeptAlive(t *testing.T) {
	opts := sources.DefaultTopologyOptions()
	opts.AckWait = 600 * time.Millisecond
	e, top := setup(t, opts)
	var mu sync.Mutex
	deliveries := 0
	release := make(chan struct{})
	handled := make(chan struct{}, 10)
	c := sources.NewConsumer(e.js, top.Names.EventsStream, top.Names.EventsConsumer, func(ctx context.Context, m jetstream.Msg) {
		mu.Lock()
		deliveries++
		mu.Unlock()
		select {
		case <-release:
		case <-ctx.Done():
		}
		_ = m.Ack()
		handled <- struct{}{}
	})
	run(t, c)
	publishN(t, e.js, 0, 1)
	<-time.After(3 * opts.AckWait) // the handler is still busy: three AckWaits pass
	close(release)
	<-handled
	mu.Lock()
	defer mu.Unlock()
	if deliveries != 1 {
		t.Fatalf("%d deliveries, want 1 (in-progress acks should prevent redelivery)", deliveries)
	}
}

// TestConsumerResumesAfterServerRestart restarts nats-server mid-stream: the
// consumer comes back by itself and handles everything.
func TestConsumerResumesAfterServerRestart(t *testing.T) {
	e, top := setup(t, sources.DefaultTopologyOptions())
	s := newSeen()
	c := sources.NewConsumer(e.js, top.Names.EventsStream, top.Names.EventsConsumer, func(_ context.Context, m jetstream.Msg) {
		s.add(string(m.Data()))
		_ = m.Ack()
	}, sources.WithConn(e.nc))
	run(t, c)
	publishN(t, e.js, 0, 50)
	s.waitN(t, 50, 20*time.Second)
	natstest.Restart(t, e.srv)
	deadline := time.Now().Add(20 * time.Second)
	for e.nc.Status() != nats.CONNECTED && time.Now().Before(deadline) {
		<-time.After(20 * time.Millisecond)
	}
	publishN(t, e.js, 50, 50)
	s.waitN(t, 50, 30*time.Second)
	if len(s.ids) != 100 {
		t.Fatalf("%d distinct messages after restart, want 100", len(s.ids))
	}
}

// TestQueuedMessagesAreKeptAlive: with one worker busy for three AckWaits,
// the messages already taken from the server and waiting for a worker are
// kept alive too, so nothing is delivered twice.
func TestQueuedMessagesAreKeptAlive(t *testing.T) {
	opts := sources.DefaultTopologyOptions()
	opts.AckWait = 600 * time.Millisecond
	e, top := setup(t, opts)
	var mu sync.Mutex
	deliveries := map[string]int{}
	release := make(chan struct{})
	handled := make(chan struct{}, 10)
	c := sources.NewConsumer(e.js, top.Names.EventsStream, top.Names.EventsConsumer, func(ctx context.Context, m jetstream.Msg) {
		mu.Lock()
		deliveries[string(m.Data())]++
		mu.Unlock()
		select {
		case <-release:
		case <-ctx.Done():
		}
		_ = m.Ack()
		handled <- struct{}{}
	}, sources.WithConcurrency(1))
	run(t, c)
	publishN(t, e.js, 0, 3)
	<-time.After(3 * opts.AckWait) // the worker is busy with the first; two wait
	close(release)
	for range 3 {
		<-handled
	}
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 3 {
		t.Fatalf("handled %v, want 3 distinct messages", deliveries)
	}
	for id, n := range deliveries {
		if n != 1 {
			t.Errorf("message %s delivered %d times, want 1", id, n)
		}
	}
}

// TestConsumerBoundsBytesInFlight: with 64 handlers but a budget of 40 KB,
// no more than 40 KB of 8 KB bodies are held at once, and every message is
// handled.
func TestConsumerBoundsBytesInFlight(t *testing.T) {
	e, top := setup(t, sources.DefaultTopologyOptions())
	s := newSeen()
	var mu sync.Mutex
	var held, peak int
	release := make(chan struct{})
	c := sources.NewConsumer(e.js, top.Names.EventsStream, top.Names.EventsConsumer, func(_ context.Context, m jetstream.Msg) {
		mu.Lock()
		held += len(m.Data())
		peak = max(peak, held)
		mu.Unlock()
		<-release
		mu.Lock()
		held -= len(m.Data())
		mu.Unlock()
		s.add(string(m.Data()[:8]))
		_ = m.Ack()
	}, sources.WithConcurrency(64), sources.WithMaxInFlightBytes(40<<10), sources.WithConn(e.nc))
	run(t, c)
	body := make([]byte, 8<<10)
	for i := range 40 {
		copy(body, fmt.Sprintf("%08d", i))
		if _, err := e.js.Publish(context.Background(), "chatinc.events.test", body); err != nil {
			t.Fatal(err)
		}
	}
	// Let handlers pile up to the budget, then let them all go.
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return held >= 32<<10, fmt.Sprintf("%d bytes held", held)
	})
	close(release)
	s.waitN(t, 40, 20*time.Second)
	if peak > 40<<10 {
		t.Fatalf("%d bytes held at once, budget 40 KB", peak)
	}
	if peak < 16<<10 {
		t.Fatalf("only %d bytes held at once: the budget did not let several run", peak)
	}
}

// TestConsumerStaysUnderMaxAckPending: with more handlers than the
// consumer's MaxAckPending allows, the messages held at once stay a pull's
// worth (64) and two under it, so the server never sits at the limit
// (where it hands out one message per ack); all are handled once released.
func TestConsumerStaysUnderMaxAckPending(t *testing.T) {
	opts := sources.DefaultTopologyOptions()
	opts.MaxAckPending = 200
	e, top := setup(t, opts)
	s := newSeen()
	var mu sync.Mutex
	var held, peak int
	release := make(chan struct{})
	c := sources.NewConsumer(e.js, top.Names.EventsStream, top.Names.EventsConsumer, func(_ context.Context, m jetstream.Msg) {
		mu.Lock()
		held++
		peak = max(peak, held)
		mu.Unlock()
		<-release
		mu.Lock()
		held--
		mu.Unlock()
		s.add(string(m.Data()))
		_ = m.Ack()
	}, sources.WithConcurrency(300), sources.WithConn(e.nc))
	run(t, c)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the consumer's shutdown, should a check fail
	publishN(t, e.js, 0, 500)
	// A pull asks for half of MaxAckPending (100): the handlers may hold
	// the rest but for the reader's one and one more.
	const limit = 200 - 100 - 2
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return held >= limit, fmt.Sprintf("%d handlers hold a message", held)
	})
	info, err := top.Consumer.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending >= 200 {
		t.Errorf("%d messages pending an ack: the consumer reached its MaxAckPending of 200", info.NumAckPending)
	}
	unblock()
	s.waitN(t, 500, 20*time.Second)
	if peak > limit {
		t.Errorf("%d messages held by handlers at once, want at most %d", peak, limit)
	}
	if len(s.ids) != 500 {
		t.Errorf("%d distinct messages handled, want 500", len(s.ids))
	}
}
