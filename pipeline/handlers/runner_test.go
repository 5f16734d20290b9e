package handlers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
)

// TestThroughRunner publishes events on the events stream and processes
// them with the real pipeline runner and router: good events take effect
// once however often they are published; poison ones land in the DLQ with
// the validation class.
func TestThroughRunner(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	router := pipeline.NewRouter()
	e.h.Register(router)
	runner := pipeline.NewRunner(e.js, e.topo.Names, router.Handler())

	publish := func(typ, msgID, body string) {
		t.Helper()
		m := nats.NewMsg(e.topo.Names.EventSubject(typ))
		m.Data = []byte(body)
		if msgID != "" {
			m.Header.Set(nats.MsgIdHdr, msgID)
		}
		if _, err := e.js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	publish("customer-segment-updated", "seg-1", `{"audience":{"id":"vip","name":"VIP"},
	  "contacts":[{"number":"0821234567","attributes":{"first_name":"Thandi"}},{"number":"bad"}],
	  "variable_group":{"id":"customers","name":"customers","fields":["first_name"]}}`)
	for i := range 5 { // same promo: 3 with the same Nats-Msg-Id, 2 without
		id := "promo-1"
		if i >= 3 {
			id = ""
		}
		publish("send-promo", id, contractPromo)
	}
	publish("send-promo", "poison-mix", `{"promo_id":"mix","title":"t","message":"m","audiences":["vip"],
	  "buttons":[{"text":"Go","type":"url","url":"https://x.example"},{"text":"Ask","type":"journey","journey_id":"j"}]}`)
	publish("send-promo", "poison-var", `{"promo_id":"var","title":"t","message":"Hi {customers.shoe_size}","audiences":["vip"]}`)

	// 8 published, 2 dropped as duplicates by Nats-Msg-Id: fetch the 6
	// (a fetch that does not wait may return fewer on a loaded machine).
	n := 0
	for attempt := 0; n < 6 && attempt < 5; attempt++ {
		batch, err := e.topo.Consumer.Fetch(6-n, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			runner.Process(ctx, msg)
			n++
		}
	}
	if info, err := e.topo.Consumer.Info(ctx); err != nil || info.NumPending != 0 {
		t.Fatalf("consumer after fetching: %+v, %v; want nothing pending", info, err)
	}
	if n != 6 {
		t.Fatalf("processed %d messages, want 6", n)
	}

	cs := e.sb.Campaigns()
	if len(cs) != 1 || len(e.sb.Runs(cs[0].ID)) != 1 {
		t.Fatalf("sandbox: %d campaigns (want 1) and %v", len(cs), cs)
	}
	if got, _ := e.sb.Audience("vip"); len(got) != 1 {
		t.Fatalf("audience = %v", got)
	}
	if rep := e.report(t, "seg-1"); rep.RowsRejected != 1 {
		t.Fatalf("report = %+v", rep)
	}
	dead, err := pipeline.NewDLQ(e.js, e.topo.Names).List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range dead {
		got[d.EventID] = d.Class
	}
	want := map[string]string{"poison-mix": "validation", "poison-var": "validation"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("DLQ = %v, want %v", got, want)
	}
}
