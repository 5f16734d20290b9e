package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config/configtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// newTelemetry sets telemetry up with an in-memory span recorder and no
// exporters from the environment.
func newTelemetry(t *testing.T) (*telemetry.Telemetry, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tel, err := telemetry.Setup(context.Background(), telemetry.WithSpanProcessor(rec),
		telemetry.WithGetenv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Errorf("telemetry shutdown: %v", err)
		}
	})
	return tel, rec
}

// env is a worker with telemetry on a real in-process nats-server and a
// real sandbox over loopback HTTP.
type env struct {
	t    *testing.T
	cfg  *config.Config
	sim  *sandbox.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	w    *worker.Worker
	logs *pipelinetest.SyncBuffer
	dir  string
}

// newEnv starts the worker with tel; logs go to a JSON handler at level,
// wrapped like the CLI's (telemetry.NewLogHandler).
func newEnv(t *testing.T, tel *telemetry.Telemetry, apiKey string, level slog.Level, faults ...sandbox.Fault) *env {
	t.Helper()
	_, url := natstest.RunJetStream(t)
	dir := t.TempDir()
	cfg := configtest.Worker(url, apiKey, dir)
	sim, simURL := sandboxtest.Start(t, sandbox.Options{APIKey: apiKey, ApproveAfter: 2 * time.Second, TimeScale: 3600, Seed: 7, Faults: faults})
	cfg.ChatInc.URL = simURL
	e := &env{t: t, cfg: cfg, sim: sim, logs: &pipelinetest.SyncBuffer{}, dir: dir}
	e.nc = natstest.Connect(t, url)
	var err error
	if e.js, err = jetstream.New(e.nc); err != nil {
		t.Fatal(err)
	}
	log := slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: level})))
	w, err := worker.New(cfg, worker.WithLogger(log), worker.WithRandomPorts(), worker.WithTelemetry(tel))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.Start(ctx); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	e.w = w
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := w.Shutdown(ctx); err != nil {
			t.Errorf("worker shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("worker logs:\n%s", e.logs.String())
		}
	})
	return e
}

// publish publishes an event of typ with body, id in Nats-Msg-Id and the
// extra headers.
func (e *env) publish(typ, id string, body any, hdr nats.Header) {
	e.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	if hdr == nil {
		hdr = nats.Header{}
	}
	hdr.Set(jetstream.MsgIDHeader, id)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.js.PublishMsg(ctx, &nats.Msg{Subject: e.cfg.Names.EventSubject(typ), Data: data, Header: hdr}); err != nil {
		e.t.Fatalf("publish %s: %v", typ, err)
	}
}

// settled waits until the events consumer has nothing pending or unacked.
func (e *env) settled(timeout time.Duration) {
	e.t.Helper()
	pipelinetest.Eventually(e.t, timeout, pipelinetest.ConsumerIdle(e.js, e.cfg.Names.EventsStream, e.cfg.Names.EventsConsumer))
}

// collect subscribes (core NATS) to subject and returns the messages so far.
func (e *env) collect(subject string) func() []*nats.Msg {
	e.t.Helper()
	var (
		mu   sync.Mutex
		msgs []*nats.Msg
	)
	sub, err := e.nc.Subscribe(subject, func(m *nats.Msg) { mu.Lock(); msgs = append(msgs, m); mu.Unlock() })
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func() []*nats.Msg {
		mu.Lock()
		defer mu.Unlock()
		return append([]*nats.Msg(nil), msgs...)
	}
}

// segment is a customer-segment-updated event for audience id.
func segment(id string, numbers ...string) map[string]any {
	contacts := make([]map[string]any, len(numbers))
	for i, n := range numbers {
		contacts[i] = map[string]any{"number": n, "attributes": map[string]string{"first_name": fmt.Sprintf("C%d", i)}}
	}
	return map[string]any{"audience": map[string]string{"id": id, "name": id}, "contacts": contacts,
		"variable_group": map[string]any{"id": "customers", "name": "customers", "fields": []string{"first_name"}}}
}

// promo is a send-promo event for audience, run now.
func promo(id, title, audience string) map[string]any {
	return map[string]any{"promo_id": id, "title": title, "message": "Hi {customers.first_name}, 30% off today.",
		"buttons":   []map[string]string{{"text": "Shop now", "type": "url", "url": "https://shop.example.com/bf"}},
		"audiences": []string{audience}, "language_code": "enUS"}
}

// scrape GETs the metrics handler and parses the Prometheus text.
func scrape(t *testing.T, tel *telemetry.Telemetry) map[string]*dto.MetricFamily {
	t.Helper()
	rr := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
	if rr.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rr.Code, rr.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(rr.Body.Bytes()))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, rr.Body)
	}
	return fams
}

// value returns the value (counter, gauge, or histogram sample count) of
// the series of family name whose labels include want; ok is false when
// there is no such series.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// spansNamed returns the ended spans called name.
func spansNamed(rec *tracetest.SpanRecorder, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// spansPrefixed returns the ended spans whose name starts with prefix.
func spansPrefixed(rec *tracetest.SpanRecorder, prefix string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if strings.HasPrefix(s.Name(), prefix) {
			out = append(out, s)
		}
	}
	return out
}
