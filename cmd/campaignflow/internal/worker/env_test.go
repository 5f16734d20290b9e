package worker_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config/configtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// env is one worker on a real in-process nats-server and a real sandbox
// over loopback HTTP. Both outlive the worker, so a test can restart it.
type env struct {
	t    *testing.T
	cfg  *config.Config
	ns   *server.Server
	sim  *sandbox.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	w    *worker.Worker
	logs *pipelinetest.SyncBuffer
	dir  string
	// wopts are extra worker options (observers, middleware).
	wopts []worker.Option
	out   *outcomes
}

type envOption func(*config.Config, *sandbox.Options)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ns, url := natstest.RunJetStream(t)
	so := sandbox.Options{ApproveAfter: 2 * time.Second, TimeScale: 3600, Seed: 7}
	dir := t.TempDir()
	cfg := configtest.Worker(url, "test-key", dir)
	for _, o := range opts {
		o(cfg, &so)
	}
	so.APIKey = cfg.ChatInc.APIKey
	sim, simURL := sandboxtest.Start(t, so)
	cfg.ChatInc.URL = simURL
	e := &env{t: t, cfg: cfg, ns: ns, sim: sim, logs: &pipelinetest.SyncBuffer{}, dir: dir, out: &outcomes{n: map[pipeline.Outcome]int{}}}
	e.nc = natstest.Connect(t, url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	var err error
	if e.js, err = jetstream.New(e.nc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker logs:\n%s", e.logs.String())
		}
	})
	e.start()
	return e
}

// start starts a worker (again).
func (e *env) start() {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := append([]worker.Option{worker.WithLogger(log), worker.WithRandomPorts(), worker.WithRunnerObserver(e.out)}, e.wopts...)
	w, err := worker.New(e.cfg, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.Start(ctx); err != nil {
		e.t.Fatalf("worker start: %v", err)
	}
	e.w = w
	e.t.Cleanup(func() { e.stop() })
}

// stop shuts the worker down (idempotent).
func (e *env) stop() {
	if e.w == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.w.Shutdown(ctx); err != nil {
		e.t.Errorf("worker shutdown: %v", err)
	}
	e.w = nil
}

// publish publishes an event of typ with body; id (if any) goes in Nats-Msg-Id.
func (e *env) publish(typ, id string, body any) *jetstream.PubAck {
	e.t.Helper()
	data, ok := body.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	m := &nats.Msg{Subject: e.cfg.Names.EventSubject(typ), Data: data, Header: nats.Header{}}
	if id != "" {
		m.Header.Set(jetstream.MsgIDHeader, id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := e.js.PublishMsg(ctx, m)
	if err != nil {
		e.t.Fatalf("publish %s: %v", typ, err)
	}
	return ack
}

// settled waits until the events consumer has nothing pending or unacked.
func (e *env) settled(timeout time.Duration) {
	e.t.Helper()
	pipelinetest.Eventually(e.t, timeout, pipelinetest.ConsumerIdle(e.js, e.cfg.Names.EventsStream, e.cfg.Names.EventsConsumer))
}

// deadLetters lists the DLQ.
func (e *env) deadLetters() []pipeline.DeadLetter {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dl, err := pipeline.NewDLQ(e.js, e.cfg.Names).List(ctx, "")
	if err != nil {
		e.t.Fatalf("dlq list: %v", err)
	}
	return dl
}

// campaignsTitled returns the sandbox's campaigns with title.
func (e *env) campaignsTitled(title string) []sandbox.CampaignState {
	var out []sandbox.CampaignState
	for _, c := range e.sim.Campaigns() {
		if c.Title == title {
			out = append(out, c)
		}
	}
	return out
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) add(d int) { c.mu.Lock(); c.n += d; c.mu.Unlock() }
func (c *counter) get() int  { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// outcomes counts the runner's outcomes.
type outcomes struct {
	mu sync.Mutex
	n  map[pipeline.Outcome]int
}

func (o *outcomes) OnOutcome(_ context.Context, _ string, out pipeline.Outcome, _ pipeline.Class, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[out]++
}

func (o *outcomes) count(out pipeline.Outcome) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[out]
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
