package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/sources"
)

// E2E targets: the worker at its defaults reaches this share of the plain
// pipeline; against a throttling sandbox, this share of its limit after the
// warm-up, with fewer 429s than E2EMax429Share of the calls.
const (
	E2ETarget         = 0.75
	E2ELimitTarget    = 0.9
	E2EMax429Share    = 0.02
	e2eContacts       = 10
	e2ePlainInFlight  = 32
	e2eSampleInterval = 250 * time.Millisecond
	e2ePollInterval   = 20 * time.Millisecond
)

// E2EOptions configure E2E.
type E2EOptions struct {
	Events     int           // segment events stored and drained by each side (default 20,000; with RateLimit 40 s worth)
	Rounds     int           // alternating rounds of both sides (default 3; with RateLimit one drain of the worker)
	NATSURL    string        // a nats-server with JetStream, fresh (required)
	NATSPid    int           // its process id, to measure its CPU (0: not measured)
	ChatIncURL string        // a Chat Inc sandbox (required)
	SimPid     int           // its process id, to measure its CPU (0: not measured)
	APIKey     string        // its API key
	RateLimit  float64       // the sandbox's --rate-limit (0: none; then the plain pipeline is the anchor)
	Warmup     time.Duration // with RateLimit: calls/s are counted after this (default 10s)
	Logger     *slog.Logger  // the worker's logs (default: discard)
	// Tune changes the worker's config before it starts (experiments; the
	// CLI runs the defaults).
	Tune func(*config.Config)
}

// E2E stores Events customer-segment-updated events (10 contacts each, each
// its own audience) in JetStream and drains them into the same Chat Inc
// sandbox with a plain nats.go pipeline (pull consume -> POST
// /v1/create/audience -> ack, 32 in flight) and with the campaignflow
// worker at its defaults (API key set: the real client path, validation
// and telemetry on, ingest reports at their default; Tune changes them), in Rounds alternating rounds: each
// round stores fresh events, and both sides drain the same ones, the plain
// pipeline first in odd rounds and the worker first in even ones. The
// sandbox is reset before each drain, so each side creates every audience
// itself, and each drain is checked: no event dead-lettered, every audience
// holds its 10 contacts. Rates and CPU are the medians over the rounds.
// With RateLimit the plain pipeline is skipped and the worker's calls per
// second after the warm-up (one drain) are compared with the limit.
func E2E(ctx context.Context, o E2EOptions) (Result, error) {
	if o.NATSURL == "" || o.ChatIncURL == "" {
		return Result{}, errors.New("bench: e2e needs a nats-server URL and a Chat Inc URL")
	}
	if o.Events <= 0 {
		o.Events = 20_000
		if o.RateLimit > 0 {
			o.Events = int(40 * o.RateLimit)
		}
	}
	if o.Rounds <= 0 || o.RateLimit > 0 {
		o.Rounds = 3
		if o.RateLimit > 0 {
			o.Rounds = 1
		}
	}
	if o.Warmup <= 0 {
		o.Warmup = 10 * time.Second
	}
	if o.APIKey == "" {
		o.APIKey = "bench"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	nc, err := nats.Connect(o.NATSURL, nats.Name("campaignflow bench e2e"))
	if err != nil {
		return Result{}, fmt.Errorf("bench: connecting to %s: %w", o.NATSURL, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return Result{}, err
	}
	cfg := config.Defaults()
	topo := sources.DefaultTopologyOptions()
	topo.AckWait, topo.MaxDeliver, topo.MaxAckPending = cfg.Consumer.AckWait, cfg.Consumer.MaxDeliver, cfg.Consumer.MaxAckPending
	top, err := sources.EnsureTopology(ctx, js, cfg.Names, topo)
	if err != nil {
		return Result{}, err
	}
	e := &e2eRun{o: o, js: js, nc: nc, top: top, cfg: cfg, sim: &simAdmin{url: o.ChatIncURL}, run: time.Now().UnixNano()}
	var plains, ours []drain
	for round := range o.Rounds {
		if err := e.fill(ctx, round); err != nil {
			return Result{}, err
		}
		plainFirst := round%2 == 0
		for _, plainTurn := range []bool{plainFirst, !plainFirst} {
			if plainTurn && o.RateLimit > 0 {
				continue
			}
			d, err := e.drain(ctx, round, plainTurn)
			if err != nil {
				return Result{}, err
			}
			if plainTurn {
				plains = append(plains, d)
			} else {
				ours = append(ours, d)
			}
		}
	}
	return e.result(plains, ours), nil
}

// e2eRun is one E2E: its connection, topology and the events of its rounds.
type e2eRun struct {
	o   E2EOptions
	js  jetstream.JetStream
	nc  *nats.Conn
	top *sources.Topology
	cfg config.Config
	sim *simAdmin
	run int64
}

func (e *e2eRun) audience(round, i int) string { return fmt.Sprintf("e2e-%x-%d-%d", e.run, round, i) }

// fill empties the events stream and stores the round's events, so that
// consumers created afresh (as the worker creates its own) start at them.
func (e *e2eRun) fill(ctx context.Context, round int) error {
	if err := e.js.DeleteConsumer(ctx, e.top.Names.EventsStream, e.cfg.Names.EventsConsumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("bench: removing the worker's consumer of the previous round: %w", err)
	}
	if err := e.top.Events.Purge(ctx); err != nil {
		return fmt.Errorf("bench: emptying the events stream: %w", err)
	}
	return fillSegments(ctx, e.js, e.cfg.Names, e.o.Events, func(i int) string { return e.audience(round, i) })
}

// drain resets the sandbox, lets one side drain the round's events and
// checks the sandbox and the DLQ afterwards.
func (e *e2eRun) drain(ctx context.Context, round int, plain bool) (drain, error) {
	if err := e.sim.reset(ctx); err != nil {
		return drain{}, err
	}
	before, err := e.sim.state(ctx)
	if err != nil {
		return drain{}, err
	}
	dlq0, err := e.top.DLQ.Info(ctx)
	if err != nil {
		return drain{}, err
	}
	var d drain
	if plain {
		d, err = drainPlain(ctx, e.js, e.top, e.o)
	} else {
		d, err = drainWorker(ctx, e.nc, e.o, e.cfg)
	}
	if err != nil {
		return d, err
	}
	after, err := e.sim.state(ctx)
	if err != nil {
		return d, err
	}
	dlq1, err := e.top.DLQ.Info(ctx)
	if err != nil {
		return d, err
	}
	for i := range e.o.Events {
		if after.Audiences[e.audience(round, i)] != e2eContacts {
			d.lost++
		}
	}
	d.deadLetters = int(dlq1.State.Msgs - dlq0.State.Msgs)
	d.calls = after.Requests["/v1/create/audience"] - before.Requests["/v1/create/audience"]
	d.throttled = after.Throttled - before.Throttled
	return d, nil
}

// result puts the rounds together: median rates and CPU, every drain's
// checks.
func (e *e2eRun) result(plains, ours []drain) Result {
	o := e.o
	res := Result{Name: "e2e", Count: o.Events}
	cfg := e.cfg
	defaults := "at its defaults"
	if o.Tune != nil {
		o.Tune(&cfg)
		defaults = "tuned"
	}
	workerLabel := fmt.Sprintf("campaignflow worker %s (API key set: chatinc client, validation, telemetry, ingest_reports: %s)", defaults, cfg.Results.IngestReports)
	clean := true
	lost, dead := 0, 0
	for _, d := range append(append([]drain(nil), plains...), ours...) {
		lost += d.lost
		dead += d.deadLetters
		clean = clean && d.lost == 0 && d.deadLetters == 0
	}
	last := ours[len(ours)-1]
	share := 0.0
	if last.calls > 0 {
		share = float64(last.throttled) / float64(last.calls)
	}
	if o.RateLimit == 0 {
		res.Unit = "events/s"
		res.Anchor = Figure{Label: fmt.Sprintf("plain nats.go pull consume -> POST /v1/create/audience -> ack, %d in flight", e2ePlainInFlight), Rate: median(plains, drain.Rate)}
		res.Project = Figure{Label: workerLabel, Rate: median(ours, drain.Rate)}
		res.Metrics = append(res.Metrics, cpuMetrics("plain", plains)...)
		res.Metrics = append(res.Metrics, pauseMetric("plain", plains))
	}
	res.Metrics = append(res.Metrics, cpuMetrics("campaignflow", ours)...)
	res.Metrics = append(res.Metrics, pauseMetric("campaignflow", ours))
	res.Metrics = append(res.Metrics,
		Metric{Name: "campaignflow elapsed", Value: median(ours, func(d drain) float64 { return d.Elapsed.Seconds() }), Unit: "s"},
		Metric{Name: "campaignflow create-audience requests (429s included)", Value: float64(last.calls), Unit: ""},
		Metric{Name: "429 answers, whole drain", Value: 100 * share, Unit: "% of requests"},
		Metric{Name: "dead letters", Value: float64(dead), Unit: ""},
		Metric{Name: "audiences without their 10 contacts", Value: float64(lost), Unit: ""})
	res.Notes = append(res.Notes,
		"same nats-server (another process), same sandbox (another process, reset before each drain), same events: 10 contacts each, each its own audience; each side drains them with a consumer of its own; the clock stops when the server holds every ack",
		"CPU per 1k events: this process (getrusage), the nats-server and the sandbox processes (/proc/PID/stat), over each side's drain")
	if o.RateLimit == 0 {
		rounds := make([]string, len(ours))
		for i := range ours {
			rounds[i] = fmt.Sprintf("%.0f / %.0f = %.2f", ours[i].Rate(), plains[i].Rate(), ours[i].Rate()/plains[i].Rate())
		}
		res.Notes = append(res.Notes, fmt.Sprintf("%d alternating rounds (the plain pipeline first in odd rounds, the worker in even ones); figures are medians; per round, worker / plain events/s: %s",
			len(ours), strings.Join(rounds, "; ")))
		for _, d := range plains {
			res.Notes = append(res.Notes, d.notes...)
		}
		res.Target = fmt.Sprintf("project >= %.2f of anchor; no dead letter, no contact lost", E2ETarget)
		res.Pass = res.Ratio() >= E2ETarget && clean
		return res
	}
	rate, share429, span := last.callsAfter(o.Warmup)
	res.Metrics = append(res.Metrics, Metric{Name: "429 answers after the warm-up", Value: 100 * share429, Unit: "% of requests"})
	res.Unit = "calls/s"
	res.Anchor = Figure{Label: fmt.Sprintf("the sandbox's limit (sim --rate-limit %g)", o.RateLimit), Rate: o.RateLimit}
	res.Project = Figure{Label: fmt.Sprintf("%s, API calls the sandbox admitted per second after a %s warm-up (%.0f s measured; one call per event)", workerLabel, o.Warmup, span.Seconds()), Rate: rate}
	res.Target = fmt.Sprintf("project >= %.2f of the limit and 429s < %.0f%% of calls after the warm-up, no dead letter, no contact lost", E2ELimitTarget, 100*E2EMax429Share)
	res.Pass = rate >= E2ELimitTarget*o.RateLimit && share429 < E2EMax429Share && clean && span > 0
	return res
}

// median is the median of f over ds (the mean of the middle two for an
// even count).
func median(ds []drain, f func(drain) float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	v := make([]float64, len(ds))
	for i, d := range ds {
		v[i] = f(d)
	}
	sort.Float64s(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// segmentEvent is the body of one bench event.
type segmentEvent struct {
	EventID  string `json:"event_id"`
	Audience struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"audience"`
	Contacts []struct {
		Number string `json:"number"`
	} `json:"contacts"`
}

func fillSegments(ctx context.Context, js jetstream.JetStream, names sources.Names, n int, audience func(int) string) error {
	subject := names.EventSubject("customer-segment-updated")
	for i := range n {
		var ev segmentEvent
		ev.EventID = "ev-" + audience(i)
		ev.Audience.ID, ev.Audience.Name = audience(i), "bench audience"
		for j := range e2eContacts {
			ev.Contacts = append(ev.Contacts, struct {
				Number string `json:"number"`
			}{Number: fmt.Sprintf("+2782%03d%04d", j, i%10000)})
		}
		body, _ := json.Marshal(ev)
		if _, err := js.PublishAsync(subject, body, jetstream.WithMsgID(ev.EventID)); err != nil {
			return fmt.Errorf("bench: publishing event %d of %d: %w", i, n, err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bench: waiting for the publish acks of the events: %w", ctx.Err())
	}
}

// drain is one side's run: its elapsed time, CPU, and the consumer's ack
// floor sampled over time.
type drain struct {
	Run
	ownCPU, natsCPU, simCPU   time.Duration
	natsMeasured, simMeasured bool
	samples                   []ackSample
	longestPause              time.Duration // between two polls that saw the ack floor move (the last before done included)
	notes                     []string
	// checked after the drain
	lost, deadLetters, calls, throttled int
}

type ackSample struct {
	at        time.Duration
	acked     uint64
	calls     int // API calls the sandbox admitted so far (with a rate limit)
	throttled int // and answered 429
}

// pauseMetric is the longest time one side's ack floor stood still in any
// of its drains: a stalled pull shows here (seconds, where a drain's usual
// pauses are tens of milliseconds).
func pauseMetric(side string, ds []drain) Metric {
	var worst time.Duration
	for _, d := range ds {
		worst = max(worst, d.longestPause)
	}
	return Metric{Name: side + " longest time the ack floor stood still (start-up included), worst drain", Value: float64(worst.Milliseconds()), Unit: "ms"}
}

// cpuMetrics are the median CPU per 1k events of one side's drains, in ms
// (µs per event): two decimals of seconds hide the differences that matter.
func cpuMetrics(side string, ds []drain) []Metric {
	per := func(c func(drain) time.Duration) func(drain) float64 {
		return func(d drain) float64 { return float64(c(d).Microseconds()) / float64(d.Count) }
	}
	m := []Metric{{Name: side + " CPU per 1k events, this process", Value: median(ds, per(func(d drain) time.Duration { return d.ownCPU })), Unit: "ms"}}
	if len(ds) > 0 && ds[0].natsMeasured {
		m = append(m, Metric{Name: side + " CPU per 1k events, nats-server", Value: median(ds, per(func(d drain) time.Duration { return d.natsCPU })), Unit: "ms"})
	}
	if len(ds) > 0 && ds[0].simMeasured {
		m = append(m, Metric{Name: side + " CPU per 1k events, sandbox", Value: median(ds, per(func(d drain) time.Duration { return d.simCPU })), Unit: "ms"})
	}
	return m
}

// callsAfter is the calls per second the sandbox admitted from warmup to
// the end of the drain, and the share of calls it answered 429 then.
func (d drain) callsAfter(warmup time.Duration) (perSecond, share429 float64, span time.Duration) {
	i := sort.Search(len(d.samples), func(i int) bool { return d.samples[i].at >= warmup })
	if i >= len(d.samples)-1 {
		return 0, 0, 0
	}
	first, last := d.samples[i], d.samples[len(d.samples)-1]
	span = last.at - first.at
	calls, throttled := last.calls-first.calls, last.throttled-first.throttled
	if calls+throttled > 0 {
		share429 = float64(throttled) / float64(calls+throttled)
	}
	return float64(calls) / span.Seconds(), share429, span
}

// measure runs start, then polls the consumer (info) until it holds every
// ack, sampling the acks and, with calls, the sandbox's admitted calls.
func measure(ctx context.Context, info func(context.Context) (*jetstream.ConsumerInfo, error), calls func(context.Context) (int, int, error), o E2EOptions, start func() error) (drain, error) {
	n := o.Events
	poll := e2ePollInterval
	if calls != nil {
		poll = e2eSampleInterval // a long drain: fewer consumer infos, less of the server's CPU
	}
	var d drain
	cpu0 := cpuTime()
	nats0, natsOK := processCPU(o.NATSPid)
	sim0, simOK := processCPU(o.SimPid)
	t0 := time.Now()
	if err := start(); err != nil {
		return d, err
	}
	var floor uint64
	moved := time.Duration(0)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		info, err := info(ctx)
		if err != nil {
			return d, fmt.Errorf("bench: consumer info: %w", err)
		}
		done := info.AckFloor.Consumer >= uint64(n) && info.NumAckPending == 0
		at := time.Since(t0)
		if info.AckFloor.Consumer != floor || done {
			floor, d.longestPause, moved = info.AckFloor.Consumer, max(d.longestPause, at-moved), at
		}
		if k := len(d.samples); done || k == 0 || at-d.samples[k-1].at >= e2eSampleInterval {
			smp := ackSample{at: at, acked: info.AckFloor.Consumer}
			if calls != nil {
				if smp.calls, smp.throttled, err = calls(ctx); err != nil {
					return d, err
				}
			}
			d.samples = append(d.samples, smp)
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return d, fmt.Errorf("bench: consumer %s: %d of %d acked when the time ran out: %w", info.Name, info.AckFloor.Consumer, n, ctx.Err())
		case <-tick.C:
		}
	}
	d.Count, d.Elapsed = n, time.Since(t0)
	d.ownCPU = cpuTime() - cpu0
	if nats1, ok := processCPU(o.NATSPid); ok && natsOK {
		d.natsCPU, d.natsMeasured = nats1-nats0, true
	}
	if sim1, ok := processCPU(o.SimPid); ok && simOK {
		d.simCPU, d.simMeasured = sim1-sim0, true
	}
	return d, nil
}

// drainPlain is the anchor: nats.go pull consume, 32 goroutines each
// decoding an event and POSTing its audience and contacts, then acking.
func drainPlain(ctx context.Context, js jetstream.JetStream, top *sources.Topology, o E2EOptions) (drain, error) {
	cfg := top.Consumer.CachedInfo().Config
	cfg.Durable, cfg.Name, cfg.Description = "bench-plain", "", "campaignflow bench e2e: plain pipeline"
	cons, err := js.CreateOrUpdateConsumer(ctx, top.Names.EventsStream, cfg)
	if err != nil {
		return drain{}, fmt.Errorf("bench: creating the plain pipeline's consumer: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: e2ePlainInFlight}}
	defer hc.CloseIdleConnections()
	url := o.ChatIncURL + "/v1/create/audience"
	var failed atomic.Int64
	var wg sync.WaitGroup
	var it jetstream.MessagesContext
	d, err := measure(ctx, cons.Info, nil, o, func() error {
		it, err = cons.Messages(jetstream.PullMaxMessages(2 * e2ePlainInFlight))
		if err != nil {
			return err
		}
		for range e2ePlainInFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var buf []byte
				numbers := make([]string, 0, e2eContacts)
				for {
					msg, err := it.Next()
					if err != nil {
						return
					}
					var ev segmentEvent
					if err := json.Unmarshal(msg.Data(), &ev); err != nil {
						failed.Add(1)
						_ = msg.Term()
						continue
					}
					numbers = numbers[:0]
					for _, c := range ev.Contacts {
						numbers = append(numbers, c.Number)
					}
					buf = encodeBatch(buf[:0], ev.Audience.ID, numbers)
					if plainPost(ctx, hc, url, o.APIKey, buf) != nil {
						failed.Add(1)
						_ = msg.Nak()
						continue
					}
					_ = msg.Ack()
				}
			}()
		}
		return nil
	})
	if it != nil {
		it.Stop()
	}
	wg.Wait()
	if derr := js.DeleteConsumer(context.WithoutCancel(ctx), top.Names.EventsStream, cfg.Durable); derr != nil && err == nil {
		err = fmt.Errorf("bench: removing the plain pipeline's consumer: %w", derr)
	}
	if err != nil {
		return d, err
	}
	if n := failed.Load(); n > 0 {
		d.notes = append(d.notes, fmt.Sprintf("plain pipeline: %d calls failed and were redelivered", n))
	}
	return d, nil
}

func plainPost(ctx context.Context, hc *http.Client, url, key string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: %s: %s", url, resp.Status)
	}
	return nil
}

// drainWorker runs the worker at its defaults against the stored events
// until its consumer holds every ack.
func drainWorker(ctx context.Context, nc *nats.Conn, o E2EOptions, cfg config.Config) (drain, error) {
	cfg.NATS.URL = o.NATSURL
	cfg.ChatInc.URL, cfg.ChatInc.APIKey = o.ChatIncURL, o.APIKey
	cfg.WorkerID = "bench-e2e"
	if o.Tune != nil {
		o.Tune(&cfg)
	}
	tel, err := telemetry.Setup(ctx, telemetry.WithLogger(o.Logger), telemetry.WithService("campaignflow-bench", "bench"))
	if err != nil {
		return drain{}, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()
	w, err := worker.New(&cfg, worker.WithLogger(o.Logger), worker.WithTelemetry(tel))
	if err != nil {
		return drain{}, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.Consumer.Grace+10*time.Second)
		defer cancel()
		_ = w.Shutdown(sctx)
	}()
	js, err := jetstream.New(nc)
	if err != nil {
		return drain{}, err
	}
	var cons jetstream.Consumer
	info := func(ctx context.Context) (*jetstream.ConsumerInfo, error) {
		if cons == nil { // the worker creates it when it starts
			c, err := js.Consumer(ctx, cfg.Names.EventsStream, cfg.Names.EventsConsumer)
			if err != nil {
				return nil, err
			}
			cons = c
		}
		return cons.Info(ctx)
	}
	var calls func(context.Context) (int, int, error)
	if o.RateLimit > 0 {
		calls = (&simAdmin{url: o.ChatIncURL}).rateCounts
	}
	return measure(ctx, info, calls, o, func() error { return w.Start(ctx) })
}

// simAdmin reads the sandbox's /_sim/state.
type simAdmin struct{ url string }

type simState struct {
	Audiences map[string]int `json:"audiences"`
	Requests  map[string]int `json:"requests"`
	Throttled int            `json:"throttled"`
}

func (s *simAdmin) state(ctx context.Context) (simState, error) {
	var st simState
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/_sim/state", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("bench: reading the sandbox's state: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("bench: %s/_sim/state: %s (is it a campaignflow sandbox?)", s.url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("bench: decoding the sandbox's state: %w", err)
	}
	return st, nil
}

// reset forgets the sandbox's state (POST /_sim/reset).
func (s *simAdmin) reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/_sim/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("bench: resetting the sandbox: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: %s/_sim/reset: %s", s.url, resp.Status)
	}
	return nil
}

// rateCounts is how many API calls the sandbox's rate limit let through
// and how many it answered 429.
func (s *simAdmin) rateCounts(ctx context.Context) (admitted, throttled int, err error) {
	var out struct {
		Admitted  int `json:"admitted"`
		Throttled int `json:"throttled"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/_sim/rate-limit", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("bench: reading the sandbox's rate limit: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("bench: %s/_sim/rate-limit: %s", s.url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, 0, fmt.Errorf("bench: decoding the sandbox's rate limit: %w", err)
	}
	return out.Admitted, out.Throttled, nil
}
