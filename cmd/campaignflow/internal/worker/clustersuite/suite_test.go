//go:build clustersuite

package clustersuite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/pipeline/scheduler"
	"github.com/campaignflow/campaignflow/sources"
)

const (
	apiKey    = "fault-key"
	cronPromo = "tick-every-second"
	promoAud  = "promo-aud"
	// Faults last this long (the runs stalled nodes for 15 s).
	stallFor = 12 * time.Second
	downFor  = 8 * time.Second
)

// fault is one injected failure and when it was active.
type fault struct {
	name       string
	start, end time.Time
	note       string
}

// suite is the running cluster, sandbox, workers and what was published.
type suite struct {
	t       *testing.T
	dir     string
	cfBin   string
	net     *topology
	nodes   []*node
	workers []*worker
	sim     *proc
	simURL  string
	js      jetstream.JetStream
	names   sources.Names

	mu        sync.Mutex
	audiences map[string]int // audience id -> contacts published
	promos    []string       // immediate promo titles
	published int
	dups      int
	faults    []*fault
	snapCons  jetstream.Consumer
	snaps     map[snapKey]int
	began     time.Time
	stalls    *stallWatch
}

// TestClusterFaults runs the fault suite; see the package doc. Network
// partitions are nftables drop rules between network namespaces when the
// machine allows (root, ip, nft); otherwise SIGSTOP stands in (the test
// log says so).
func TestClusterFaults(t *testing.T) {
	dir, err := os.MkdirTemp(memDir(), "campaignflow-cluster-suite-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // kept when the suite fails (or CLUSTERSUITE_KEEP is set), for the logs
		if t.Failed() || os.Getenv("CLUSTERSUITE_KEEP") != "" {
			t.Logf("process logs and stores kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	s := &suite{t: t, dir: dir, names: sources.DefaultNames(), audiences: map[string]int{}, began: time.Now()}
	natsBin := pipelinetest.Binary(t, "github.com/nats-io/nats-server/v2")
	s.cfBin = pipelinetest.Binary(t, "./cmd/campaignflow")
	s.net = newTopology(t)
	if s.net.netns {
		t.Logf("partitions: network namespaces on %s.0/24 (names %s*), nftables drop rules", s.net.subnet, s.net.prefix)
	} else {
		t.Logf("partitions: SIGSTOP STANDS IN for network partitions here (%s)", s.net.reason)
	}
	s.nodes = startCluster(t, natsBin, s.dir, s.net)
	s.stalls = watchStalls()
	t.Cleanup(func() { s.stalls.close() })
	s.startSim()
	s.startWorkers()
	var nc *nats.Conn

	nc, err = nats.Connect(s.urls(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.PingInterval(time.Second), nats.MaxPingsOutstanding(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if s.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	s.segment("seed", promoAud, 0, 2)
	s.publish("send-promo", "cron", map[string]any{"event_id": "cron", "promo_id": cronPromo, "title": "Every second",
		"message": "tick", "audiences": []string{promoAud}, "schedule": map[string]any{"cron": "* * * * * *", "time_zone": "UTC", "catch_up": "skip"}})
	s.waitTicks(5)

	load, stopLoad := context.WithCancel(context.Background())
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); s.load(load) }()

	s.settleFor(3 * time.Second)
	s.killNode("kill -9 of the events stream's leader node", s.streamLeader(s.names.EventsStream))
	s.stallNode()
	recovery := s.killWorkerMidCall()
	s.stallSchedulingLeader()
	s.killNode("kill -9 of the ledger KV's leader node", s.streamLeader("KV_"+s.names.LedgerBucket))
	s.partitions()
	s.settleFor(3 * time.Second)
	stopLoad()
	<-loadDone
	loadEnd := time.Now()
	s.waitTicksDone(s.faults[len(s.faults)-1].start, loadEnd.Add(-2*time.Second))
	s.publish("schedule-cancelled", "cancel-cron", map[string]any{"event_id": "cancel-cron", "promo_id": cronPromo})

	s.check(loadEnd, recovery)
}

// memDir is /dev/shm when it is writable, else the default temp dir: the
// process logs and JetStream stores go there, so the suite does not wait
// on a disk that other jobs on a shared machine keep busy.
func memDir() string {
	f, err := os.CreateTemp("/dev/shm", "campaignflow-probe-")
	if err != nil {
		return ""
	}
	f.Close()
	os.Remove(f.Name())
	return "/dev/shm"
}

func (s *suite) urls() string {
	var u []string
	for _, n := range s.nodes {
		u = append(u, n.url())
	}
	return strings.Join(u, ",")
}

func (s *suite) startSim() {
	t := s.t
	port, host := freePort(t), s.net.member("sim")
	cmd, args := s.net.command("sim", s.cfBin, "sim", "--addr", fmt.Sprintf("%s:%d", host, port),
		"--api-key", apiKey, "--approve-after", "0s", "--seed", "5")
	s.sim = newProc(t, s.dir, "sim", cmd, os.Environ(), args...)
	s.sim.start(t)
	t.Cleanup(s.sim.kill9)
	s.simURL = fmt.Sprintf("http://%s:%d", host, port)
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		err := getJSON(s.simURL+"/_sim/state", nil)
		return err == nil, fmt.Sprint(err)
	})
}

func (s *suite) startWorkers() {
	t := s.t
	env := append(os.Environ(),
		"CAMPAIGNFLOW_NATS_URL="+s.urls(), "CHATINC_API_KEY="+apiKey, "CHATINC_URL="+s.simURL,
		"CAMPAIGNFLOW_NATS__REPLICAS=3", "CAMPAIGNFLOW_CONSUMER__ACK_WAIT=4s", "CAMPAIGNFLOW_CONSUMER__MAX_DELIVER=200",
		"CAMPAIGNFLOW_CHATINC__RATE_LIMIT=5000", "CAMPAIGNFLOW_CHATINC__RATE_BURST=500", "CAMPAIGNFLOW_CHATINC__TIMEOUT=5s",
		"CAMPAIGNFLOW_CHATINC__RETRY_MAX_ELAPSED=10s", "CAMPAIGNFLOW_RESULTS__POLL_OFFSETS=2s,6s",
		"CAMPAIGNFLOW_RESULTS__REPAIR_INTERVAL=5s", "CAMPAIGNFLOW_LOG__LEVEL=info")
	for i := range 3 {
		w := &worker{id: fmt.Sprintf("w%d", i+1), http: freePort(t)}
		w.host = s.net.member(w.id)
		cmd, args := s.net.command(w.id, s.cfBin, "run", "--worker-id", w.id,
			"--http-addr", fmt.Sprintf("%s:%d", w.host, w.http), "--log-format", "json")
		w.proc = newProc(t, s.dir, w.id, cmd, env, args...)
		w.start(t)
		t.Cleanup(w.kill9)
		s.workers = append(s.workers, w)
		if i == 0 { // the first creates the topology
			s.waitReady(w)
		}
	}
	for _, w := range s.workers {
		s.waitReady(w)
	}
}

func (s *suite) waitReady(w *worker) {
	pipelinetest.Eventually(s.t, 90*time.Second, func() (bool, string) {
		select {
		case <-w.done:
			// It exited before it was ready (on a loaded machine a new
			// cluster's JetStream can miss the worker's start budget): start
			// it again, as an orchestrator would.
			s.t.Logf("%s exited before it was ready; starting it again", w.id)
			w.start(s.t)
		default:
		}
		err := w.ready()
		return err == nil, fmt.Sprintf("%s: %v", w.id, err)
	})
}

// publish publishes until JetStream acknowledges (the same Nats-Msg-Id on
// every try: the stream drops the repeats).
func (s *suite) publish(typ, id string, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	m := &nats.Msg{Subject: s.names.EventSubject(typ), Data: b, Header: nats.Header{jetstream.MsgIDHeader: []string{id}}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := ctxTimeout(3 * time.Second)
		_, err := s.js.PublishMsg(ctx, m)
		cancel()
		if err == nil {
			s.mu.Lock()
			s.published++
			s.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			s.t.Errorf("publish %s: no ack within 60s: %v", id, err)
			return
		}
	}
}

// segment publishes n contacts (numbered from first) into audience aud.
func (s *suite) segment(id, aud string, first, n int) {
	var contacts []map[string]any
	for i := range n {
		contacts = append(contacts, map[string]any{"number": fmt.Sprintf("+2782%07d", hash(aud)*1000+first+i),
			"attributes": map[string]string{"first_name": fmt.Sprintf("C%d", first+i)}})
	}
	s.publish("customer-segment-updated", id, map[string]any{"event_id": id, "audience": map[string]any{"id": aud, "name": aud},
		"contacts": contacts, "variable_group": map[string]any{"id": "customers", "name": "customers", "fields": []string{"first_name"}}})
	s.mu.Lock()
	s.audiences[aud] += n
	s.mu.Unlock()
}

func hash(s string) int {
	h := 0
	for _, c := range s {
		h = (h*31 + int(c)) % 9000
	}
	return h
}

// load publishes segment events (each fifth one twice), and a promo every
// 20th event, until ctx ends.
func (s *suite) load(ctx context.Context) {
	for i := 0; ctx.Err() == nil; i++ {
		aud := fmt.Sprintf("aud-%02d", i%20)
		id := fmt.Sprintf("seg-%05d", i)
		s.segment(id, aud, (i/20)*3, 3)
		if i%5 == 0 { // a duplicate: same Nats-Msg-Id
			s.publish("customer-segment-updated", id, s.segmentBodyAgain(id, aud, (i/20)*3))
			s.mu.Lock()
			s.dups++
			s.mu.Unlock()
		}
		if i%20 == 10 {
			s.promo(fmt.Sprintf("p-%04d", i))
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond): // the publish pace
		}
	}
}

func (s *suite) segmentBodyAgain(id, aud string, first int) map[string]any {
	var contacts []map[string]any
	for i := range 3 {
		contacts = append(contacts, map[string]any{"number": fmt.Sprintf("+2782%07d", hash(aud)*1000+first+i),
			"attributes": map[string]string{"first_name": fmt.Sprintf("C%d", first+i)}})
	}
	return map[string]any{"event_id": id, "audience": map[string]any{"id": aud, "name": aud},
		"contacts": contacts, "variable_group": map[string]any{"id": "customers", "name": "customers", "fields": []string{"first_name"}}}
}

func (s *suite) promo(id string) {
	title := "Fault promo " + id
	s.publish("send-promo", "promo-"+id, map[string]any{"event_id": "promo-" + id, "promo_id": id, "title": title,
		"message": "Hi {customers.first_name}", "audiences": []string{promoAud}})
	s.mu.Lock()
	s.promos = append(s.promos, title)
	s.mu.Unlock()
}

// settleFor lets the load run for d.
func (s *suite) settleFor(d time.Duration) {
	<-time.After(d)
}

func (s *suite) begin(name string) *fault {
	f := &fault{name: name, start: time.Now()}
	s.t.Logf("fault: %s at %s", name, f.start.Format("15:04:05.000"))
	s.faults = append(s.faults, f)
	return f
}

// nodeNamed returns the node with a server name.
func (s *suite) nodeNamed(name string) *node {
	for _, n := range s.nodes {
		if n.serverName == name {
			return n
		}
	}
	s.t.Fatalf("no node named %q", name)
	return nil
}

// streamLeader asks JetStream which node leads a stream.
func (s *suite) streamLeader(stream string) *node {
	var leader string
	pipelinetest.Eventually(s.t, 30*time.Second, func() (bool, string) {
		ctx, cancel := ctxTimeout(3 * time.Second)
		defer cancel()
		st, err := s.js.Stream(ctx, stream)
		if err != nil {
			return false, err.Error()
		}
		info, err := st.Info(ctx)
		if err != nil || info.Cluster == nil || info.Cluster.Leader == "" {
			return false, fmt.Sprintf("stream %s: no leader (%v)", stream, err)
		}
		leader = info.Cluster.Leader
		return true, ""
	})
	return s.nodeNamed(leader)
}

func (s *suite) clusterHealthy() {
	pipelinetest.Eventually(s.t, 60*time.Second, func() (bool, string) {
		for _, n := range s.nodes {
			if err := n.healthy(); err != nil {
				return false, fmt.Sprintf("%s: %v", n.serverName, err)
			}
		}
		for _, w := range s.workers {
			if err := w.ready(); err != nil {
				return false, fmt.Sprintf("%s: %v", w.id, err)
			}
		}
		return true, ""
	})
}

func (s *suite) killNode(what string, n *node) {
	f := s.begin(what)
	f.note = n.serverName
	n.kill9()
	<-time.After(downFor)
	n.start(s.t)
	f.end = time.Now()
	s.clusterHealthy()
	s.settleFor(3 * time.Second)
}

func (s *suite) stallNode() {
	n := s.streamLeader("KV_" + s.names.LeasesBucket)
	f := s.begin("SIGSTOP of a node (the leases KV's leader) for " + stallFor.String())
	f.note = n.serverName
	n.signal(syscall.SIGSTOP)
	<-time.After(stallFor)
	n.signal(syscall.SIGCONT)
	f.end = time.Now()
	s.clusterHealthy()
	s.settleFor(3 * time.Second)
}

// schedulingLeader reads the leader lease.
func (s *suite) schedulingLeader() *worker {
	var id string
	pipelinetest.Eventually(s.t, 30*time.Second, func() (bool, string) {
		ctx, cancel := ctxTimeout(3 * time.Second)
		defer cancel()
		kv, err := s.js.KeyValue(ctx, s.names.LeasesBucket)
		if err != nil {
			return false, err.Error()
		}
		e, err := kv.Get(ctx, "leader")
		if err != nil {
			return false, err.Error()
		}
		var v struct{ Replica string }
		_ = json.Unmarshal(e.Value(), &v)
		id = v.Replica
		return id != "", string(e.Value())
	})
	for _, w := range s.workers {
		if w.id == id {
			return w
		}
	}
	s.t.Fatalf("leader %q is none of the workers", id)
	return nil
}

func (s *suite) stallSchedulingLeader() {
	w := s.schedulingLeader()
	f := s.begin("SIGSTOP of the scheduling leader for " + stallFor.String())
	f.note = w.id
	w.signal(syscall.SIGSTOP)
	<-time.After(stallFor)
	w.signal(syscall.SIGCONT)
	f.end = time.Now()
	s.clusterHealthy()
	s.settleFor(3 * time.Second)
}

// killWorkerMidCall slows Chat Inc's run endpoint, publishes promos, kills
// a worker whose claim on one of them shows its run call in flight, and
// returns how long until every one of those promos has its run recorded
// done in the ledger.
func (s *suite) killWorkerMidCall() time.Duration {
	t := s.t
	s.simFaults([]sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.FaultLatency, Rate: 1, Latency: 4 * time.Second}})
	var promoIDs []string
	for i := range 6 {
		id := fmt.Sprintf("kill-%d", i)
		promoIDs = append(promoIDs, id)
		s.promo(id)
	}
	ctx, cancel := ctxTimeout(5 * time.Second)
	defer cancel()
	var lkv jetstream.KeyValue
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		var err error
		lkv, err = s.js.KeyValue(ctx, s.names.LedgerBucket)
		return err == nil, fmt.Sprint(err)
	})
	l := ledger.New(lkv)
	var victim *worker
	var held string
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		for _, id := range promoIDs {
			rctx, rcancel := ctxTimeout(3 * time.Second)
			rec, ok, err := l.Get(rctx, ledger.RunKey(id, time.Time{}))
			rcancel()
			if err != nil || !ok || rec.State != ledger.StateIntent || rec.Owner == "" || !rec.ClaimedUntil.After(time.Now()) {
				continue
			}
			for _, w := range s.workers {
				if w.id == rec.Owner && w.callsInFlight() > 0 {
					victim, held = w, id
					return true, ""
				}
			}
		}
		return false, "no promo run in flight yet"
	})
	f := s.begin("kill -9 of a worker with a Chat Inc run call in flight")
	f.note = victim.id
	victim.kill9()
	killedAt := time.Now()
	s.simFaults(nil)
	pipelinetest.Eventually(t, 60*time.Second, func() (bool, string) {
		for _, id := range promoIDs {
			rctx, rcancel := ctxTimeout(3 * time.Second)
			rec, ok, err := l.Get(rctx, ledger.RunKey(id, time.Time{}))
			rcancel()
			if err != nil || !ok || rec.State != ledger.StateDone {
				return false, fmt.Sprintf("promo %s: %+v %v %v", id, rec, ok, err)
			}
		}
		return true, ""
	})
	recovery := time.Since(killedAt)
	f.end = time.Now()
	t.Logf("worker %s killed with the run of promo %s in flight: all %d promos of the moment done %s later", victim.id, held, len(promoIDs), recovery.Round(100*time.Millisecond))
	victim.start(t)
	s.clusterHealthy()
	s.settleFor(3 * time.Second)
	return recovery
}

func (s *suite) simFaults(fs []sandbox.Fault) {
	if fs == nil {
		fs = []sandbox.Fault{}
	}
	b, _ := json.Marshal(fs)
	req, _ := http.NewRequest(http.MethodPost, s.simURL+"/_sim/faults", bytes.NewReader(b))
	resp, err := httpClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
}

// waitTicksDone waits, at most the scheduler's tick retry window and a
// margin, until every tick of the cron promo from since to until is done
// in the ledger: ticks that a fault made fail may still be retried, and
// cancelling the cron now would count them missed.
func (s *suite) waitTicksDone(since, until time.Time) {
	ctx, cancel := ctxTimeout(scheduler.DefaultTickRetryWindow + 10*time.Second)
	defer cancel()
	kv, err := s.js.KeyValue(ctx, s.names.LedgerBucket)
	if err != nil {
		s.t.Fatalf("ledger: %v", err)
	}
	l := ledger.New(kv)
	for sec := since.Unix(); sec <= until.Unix(); {
		rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
		rec, ok, err := l.Get(rctx, ledger.RunKey(cronPromo, time.Unix(sec, 0)))
		rcancel()
		if err == nil && ok && rec.State == ledger.StateDone {
			sec++
			continue
		}
		select {
		case <-ctx.Done():
			s.t.Logf("tick %s still not done after the retry window", time.Unix(sec, 0).UTC().Format(time.TimeOnly))
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// waitTicks waits until the cron promo has run n ticks.
func (s *suite) waitTicks(n int) {
	pipelinetest.Eventually(s.t, 60*time.Second, func() (bool, string) {
		got := len(s.tickRuns())
		return got >= n, fmt.Sprintf("%d ticks run", got)
	})
}

// simState is the sandbox's state.
func (s *suite) simState() sandbox.StateDump {
	var st sandbox.StateDump
	if err := getJSON(s.simURL+"/_sim/state", &st); err != nil {
		s.t.Fatalf("sandbox state: %v", err)
	}
	return st
}

// tickRuns are the ticks (unix seconds) recorded done in the ledger for
// the cron promo, with their run ids.
func (s *suite) tickRuns() map[int64]string {
	ctx, cancel := ctxTimeout(20 * time.Second)
	defer cancel()
	out := map[int64]string{}
	kv, err := s.js.KeyValue(ctx, s.names.LedgerBucket)
	if err != nil {
		return out
	}
	prefix := "promo." + ids.Token(cronPromo) + ".run."
	lister, err := kv.ListKeysFiltered(ctx, prefix+"*")
	if err != nil {
		return out
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	l := ledger.New(kv)
	for _, k := range keys {
		sec, err := strconv.ParseInt(strings.TrimPrefix(k, prefix), 10, 64)
		if err != nil {
			continue
		}
		rec, ok, err := l.Get(ctx, k)
		if err == nil && ok && rec.State == ledger.StateDone {
			out[sec] = rec.Outcome.RunID
		}
	}
	return out
}

type snapKey struct {
	campaign, run string
	poll          int
}

// snapshots counts the campaign snapshots stored on the results stream
// (read on with one ordered consumer: each call adds what is new).
func (s *suite) snapshots() map[snapKey]int {
	if s.snapCons == nil {
		ctx, cancel := ctxTimeout(10 * time.Second)
		defer cancel()
		c, err := s.js.OrderedConsumer(ctx, s.names.ResultsStream, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{s.names.Prefix + ".results.campaign.>"}})
		if err != nil {
			s.t.Fatalf("results consumer: %v", err)
		}
		s.snapCons, s.snaps = c, map[snapKey]int{}
	}
	for {
		batch, err := s.snapCons.FetchNoWait(500)
		if err != nil {
			s.t.Fatalf("fetch snapshots: %v", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var v struct {
				CampaignID string `json:"campaign_id"`
				RunID      string `json:"run_id"`
				Poll       int    `json:"poll"`
			}
			if json.Unmarshal(m.Data(), &v) == nil {
				s.snaps[snapKey{v.CampaignID, v.RunID, v.Poll}]++
			}
		}
		if n == 0 {
			return s.snaps
		}
	}
}

// check waits for the work to settle, then counts.
func (s *suite) check(loadEnd time.Time, recovery time.Duration) {
	t := s.t
	pipelinetest.Eventually(t, 120*time.Second, pipelinetest.ConsumerIdle(s.js, s.names.EventsStream, s.names.EventsConsumer))
	// A run's first poll is due 2s after it starts; the poller looks every
	// second. Runs whose first poll is due (with 5s to spare) must have a
	// snapshot; wait until every run is that old.
	lastPollDue := time.Now().Add(10 * time.Second)
	var missingSnap []string
	pipelinetest.Eventually(t, 90*time.Second, func() (bool, string) {
		missingSnap = nil
		snaps := s.snapshots()
		have := map[string]bool{}
		for k := range snaps {
			have[k.run] = true
		}
		now := time.Now()
		for _, c := range s.simState().Campaigns {
			for _, r := range c.Runs {
				if !have[r.ID] && r.StartAt.Add(7*time.Second).Before(now) {
					missingSnap = append(missingSnap, fmt.Sprintf("%s/%s (timeToRun %s, start %s)", c.Title, r.ID, r.TimeToRun.Format("15:04:05"), r.StartAt.Format("15:04:05")))
				}
			}
		}
		return len(missingSnap) == 0 && now.After(lastPollDue), fmt.Sprintf("%d runs without a snapshot: %v", len(missingSnap), first(missingSnap, 5))
	})

	st := s.simState()
	// Events: every contact in its audience, every promo one campaign with one run.
	lostContacts := 0
	for aud, n := range s.audiences {
		if got := st.Audiences[aud]; got != n {
			lostContacts += n - got
			t.Errorf("audience %s: %d contacts, want %d", aud, got, n)
		}
	}
	byTitle := map[string][]sandbox.CampaignState{}
	for _, c := range st.Campaigns {
		byTitle[c.Title] = append(byTitle[c.Title], c)
	}
	lostPromos, dupCampaigns, dupRuns := 0, 0, 0
	for _, title := range s.promos {
		cs := byTitle[title]
		runs := 0
		for _, c := range cs {
			runs += len(c.Runs)
		}
		switch {
		case len(cs) == 0 || runs == 0:
			lostPromos++
			t.Errorf("promo %q: %d campaigns, %d runs", title, len(cs), runs)
		default:
			dupCampaigns += len(cs) - 1
			dupRuns += runs - 1
		}
	}
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	dl, err := pipeline.NewDLQ(s.js, s.names).List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}

	// Ticks: Chat Inc's runs of the cron campaign name their tick (timeToRun
	// = tick + handlers.TickRunLead); a run made now (a tick retried late)
	// is found through the ledger. One run per tick; missed ticks per fault.
	ledgerTicks := s.tickRuns()
	tickOfRun := map[string]int64{}
	for sec, run := range ledgerTicks {
		tickOfRun[run] = sec
	}
	ticks := map[int64]int{}
	unknownRuns := 0
	for _, c := range byTitle["Every second"] {
		for _, r := range c.Runs {
			switch sec, ok := tickOfRun[r.ID]; {
			case !r.TimeToRun.IsZero():
				ticks[r.TimeToRun.Add(-handlers.TickRunLead).Unix()]++
			case ok:
				ticks[sec]++
			default:
				unknownRuns++
			}
		}
	}
	var secs []int64
	dupTicks := unknownRuns
	for sec, n := range ticks {
		secs = append(secs, sec)
		dupTicks += n - 1
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	notDone := 0
	for sec := range ticks {
		if _, ok := ledgerTicks[sec]; !ok {
			notDone++
		}
	}
	stalls := s.stalls.close()
	missedStalled := 0
	missedPerFault := make([]int, len(s.faults))
	missedElsewhere := 0
	var missed []int64
	for sec := secs[0]; sec <= loadEnd.Unix()-2; sec++ {
		if _, ok := ticks[sec]; ok {
			continue
		}
		missed = append(missed, sec)
		at := time.Unix(sec, 0)
		if during(stalls, at) {
			missedStalled++
			continue
		}
		hit := false
		for i := len(s.faults) - 1; i >= 0; i-- { // the latest fault begun before the tick
			f := s.faults[i]
			if !at.Before(f.start.Add(-time.Second)) {
				if !at.After(f.end.Add(15 * time.Second)) {
					missedPerFault[i]++
					hit = true
				}
				break
			}
		}
		if !hit {
			missedElsewhere++
		}
	}
	snaps := s.snapshots()
	dupSnaps := 0
	for _, n := range snaps {
		dupSnaps += n - 1
	}
	totalRuns := 0
	for _, c := range st.Campaigns {
		totalRuns += len(c.Runs)
	}

	t.Logf("cluster fault suite: 3 nats-server nodes (R3), 3 workers, sandbox; %d events published (%d segment duplicates), %d promos, %d cron ticks expected (%s..%s)",
		s.published, s.dups, len(s.promos), loadEnd.Unix()-2-secs[0]+1, time.Unix(secs[0], 0).UTC().Format(time.TimeOnly), loadEnd.UTC().Format(time.TimeOnly))
	for i, f := range s.faults {
		t.Logf("  fault %d: %-60s on %-5s %s..%s: missed ticks %d", i+1, f.name, f.note, f.start.Format("15:04:05"), f.end.Format("15:04:05"), missedPerFault[i])
	}
	t.Logf("  events lost: contacts %d, promos %d; dead letters %d; duplicate campaigns %d, runs %d, ticks %d, snapshots %d (of %d); runs without a snapshot %d (of %d); missed ticks outside faults %d, all missed %v; ticks run but not done in the ledger %d; recovery after worker kill -9 mid-call %s; suite time %s",
		lostContacts, lostPromos, len(dl), dupCampaigns, dupRuns, dupTicks, dupSnaps, len(snaps), len(missingSnap), totalRuns, missedElsewhere, missed, notDone, recovery.Round(100*time.Millisecond), time.Since(s.began).Round(time.Second))
	for _, st := range stalls {
		t.Logf("  MACHINE STALL: the test process stood still %s..%s (%s); ticks missed then are not counted against a fault",
			st.from.Format("15:04:05.0"), st.to.Format("15:04:05.0"), st.to.Sub(st.from).Round(100*time.Millisecond))
	}
	if missedStalled > 0 {
		t.Logf("  missed ticks during machine stalls: %d", missedStalled)
	}

	if lostContacts != 0 || lostPromos != 0 || len(dl) != 0 {
		t.Errorf("lost: %d contacts, %d promos; %d dead letters: %+v", lostContacts, lostPromos, len(dl), first(dl, 3))
	}
	if dupCampaigns != 0 || dupRuns != 0 || dupTicks != 0 || dupSnaps != 0 {
		t.Errorf("duplicates: campaigns %d, runs %d, ticks %d, snapshots %d", dupCampaigns, dupRuns, dupTicks, dupSnaps)
	}
	if len(missingSnap) != 0 {
		t.Errorf("%d runs without a snapshot after their first poll was due: %v", len(missingSnap), first(missingSnap, 10))
	}
	for i, n := range missedPerFault {
		if n > 2 {
			t.Errorf("fault %q: %d missed ticks, want at most 2", s.faults[i].name, n)
		}
	}
	if missedElsewhere > 0 {
		t.Errorf("%d ticks missed outside any fault", missedElsewhere)
	}
	if recovery > 15*time.Second {
		t.Errorf("recovery after a worker kill -9 mid-call took %s, want at most 15s", recovery)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Error("checks ran out of time")
	}
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}
