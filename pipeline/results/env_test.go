package results

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/sinks"
)

const (
	testKey     = "test-key"
	jobsBucket  = "campaignflow_jobs"
	resultsName = "CHATINC_RESULTS"
)

// env is a real nats-server with the results stream and jobs bucket, and the
// Chat Inc sandbox with one campaign run to poll.
type env struct {
	url    string
	js     jetstream.JetStream
	sim    *sandbox.Server
	client *chatinc.Client
	run    RunInfo
}

func newEnv(t testing.TB, contacts int, clock clockwork.Clock) *env {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	e := &env{url: ns.ClientURL()}
	_, e.js = connect(t, e.url)
	ctx := context.Background()
	if _, err := e.js.CreateStream(ctx, jetstream.StreamConfig{Name: resultsName, Subjects: []string{"chatinc.results.>"},
		Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: jobsBucket}); err != nil {
		t.Fatal(err)
	}

	sim, base := sandboxtest.Start(t, sandbox.Options{APIKey: testKey, Seed: 7, ApproveAfter: time.Second, Clock: clock})
	e.sim = sim
	if e.client, err = chatinc.New(base, testKey); err != nil {
		t.Fatal(err)
	}
	nums := make([]map[string]string, contacts)
	for i := range nums {
		nums[i] = map[string]string{"number": fmt.Sprintf("+2782%07d", i)}
	}
	post(t, base+"/v1/create/audience", map[string]any{"id": "vip", "name": "VIP", "contacts": nums}, nil)
	var created struct {
		CampaignID string `json:"campaignId"`
		Title      string `json:"title"`
		Runs       []struct {
			RunID string `json:"runId"`
		} `json:"runs"`
	}
	post(t, base+"/v1/create/campaign", map[string]any{"title": "Black Friday", "message": "30% off today",
		"options": map[string]any{"runImmediately": true, "audiences": []string{"vip"}}}, &created)
	if created.CampaignID == "" || len(created.Runs) != 1 {
		t.Fatalf("sandbox campaign: %+v", created)
	}
	e.run = RunInfo{PromoID: "bf", CampaignID: created.CampaignID, RunID: created.Runs[0].RunID, Title: created.Title, At: clock.Now()}
	return e
}

func connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

func post(t testing.TB, url string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Authorization", testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshots reads every snapshot of the campaign from the results stream.
func (e *env) snapshots(t *testing.T) []sinks.CampaignSnapshot {
	t.Helper()
	var out []sinks.CampaignSnapshot
	for _, m := range e.messages(t, "chatinc.results.campaign."+e.run.CampaignID) {
		var s sinks.CampaignSnapshot
		if err := json.Unmarshal(m, &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// outcomes reads every contact-outcome batch of the campaign.
func (e *env) outcomes(t *testing.T) []sinks.ContactOutcomeBatch {
	t.Helper()
	var out []sinks.ContactOutcomeBatch
	for _, m := range e.messages(t, "chatinc.results.contacts."+e.run.CampaignID) {
		var b sinks.ContactOutcomeBatch
		if err := json.Unmarshal(m, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// stored returns every message on subject in the results stream, in order.
func (e *env) stored(t *testing.T, subject string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := e.js.OrderedConsumer(ctx, resultsName, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for n := info.NumPending; n > 0; n-- {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// messages returns the bodies of the messages on subject.
func (e *env) messages(t *testing.T, subject string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range e.stored(t, subject) {
		out = append(out, m.Data())
	}
	return out
}

// scheduledPoller is a poller on the test's stream and fake clock with the
// test offsets, with e.run scheduled.
func (e *env) scheduledPoller(t *testing.T, fc *clockwork.FakeClock) *Poller {
	t.Helper()
	p, err := NewPoller(e.js, jobsBucket, e.client, streamPublisher{e.js}, WithClock(fc), WithOffsets(testOffsets...))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Schedule(context.Background(), e.run); err != nil {
		t.Fatal(err)
	}
	return p
}
