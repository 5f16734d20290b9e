package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

func TestLedgerListShowForget(t *testing.T) {
	env := newOpsEnv(t)
	ctx := context.Background()
	kv := env.topo.Ledger
	if r := execOps(t, "", "ledger", "list", "--nats-url", env.url); r.code() != 0 || !strings.Contains(r.stdout, "no ledger entries") {
		t.Fatalf("list of an empty ledger: %v %q", r.err, r.stdout)
	}
	at := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	put := func(key string, rec ledger.Record) {
		b, _ := json.Marshal(rec)
		if _, err := kv.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
	put("promo.bf-2026.campaign", ledger.Record{State: ledger.StateDone, IntentAt: at, Attempts: 1, Outcome: ledger.Outcome{CampaignID: "cmp_1"}, DoneAt: at})
	put("promo.bf-2026.run.now", ledger.Record{State: ledger.StateDone, IntentAt: at, Attempts: 1, Outcome: ledger.Outcome{CampaignID: "cmp_1", RunID: "run_1"}, DoneAt: at})
	put("promo.other.campaign", ledger.Record{State: ledger.StateIntent, IntentAt: at, Attempts: 1})
	if _, err := kv.Put(ctx, "promo.broken.campaign", []byte("{")); err != nil {
		t.Fatal(err)
	}
	nurl := []string{"--nats-url", env.url}

	r := execOps(t, "", append([]string{"ledger", "list"}, nurl...)...)
	for _, want := range []string{"promo.bf-2026.campaign", "cmp_1", "run_1", "promo.other.campaign", "intent", "invalid", "4 entries"} {
		if r.code() != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("ledger list lacks %q (err %v):\n%s", want, r.err, r.stdout)
		}
	}
	r = execOps(t, "", append([]string{"ledger", "list", "--prefix", "promo.bf-2026.", "--json"}, nurl...)...)
	var es []ledger.Entry
	if err := json.Unmarshal([]byte(r.stdout), &es); err != nil || len(es) != 2 || es[0].Key != "promo.bf-2026.campaign" || es[1].Record.Outcome.RunID != "run_1" {
		t.Fatalf("list --prefix --json = %+v, %v: %q", es, err, r.stdout)
	}
	r = execOps(t, "", append([]string{"ledger", "show", "promo.bf-2026.run.now"}, nurl...)...)
	if r.code() != 0 || !strings.Contains(r.stdout, `"run_id": "run_1"`) {
		t.Fatalf("show: %v\n%s", r.err, r.stdout)
	}
	r = execOps(t, "", append([]string{"ledger", "show", "promo.nope.campaign"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.err.Error(), "campaignflow ledger list") {
		t.Fatalf("show of a missing key: %v", r.err)
	}
	r = execOps(t, "", append([]string{"ledger", "forget", "promo.bf-2026.campaign"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.err.Error(), "--yes") {
		t.Fatalf("forget without --yes: %v", r.err)
	}
	if _, err := kv.Get(ctx, "promo.bf-2026.campaign"); err != nil {
		t.Fatalf("forget without --yes removed the entry: %v", err)
	}
	for _, key := range []string{"promo.bf-2026.campaign", "promo.broken.campaign"} {
		r = execOps(t, "", append([]string{"ledger", "forget", key, "--yes"}, nurl...)...)
		if r.code() != 0 || !strings.Contains(r.stdout, "forgot "+key) {
			t.Fatalf("forget %s --yes: %v %s", key, r.err, r.stdout)
		}
	}
	r = execOps(t, "", append([]string{"ledger", "list"}, nurl...)...)
	if strings.Contains(r.stdout, "promo.bf-2026.campaign") || strings.Contains(r.stdout, "broken") || !strings.Contains(r.stdout, "2 entries") {
		t.Fatalf("list after forget:\n%s", r.stdout)
	}
	// A forgotten campaign key can be created again (what the worker does next).
	if _, err := kv.Create(ctx, "promo.bf-2026.campaign", []byte(`{"state":"intent"}`)); err != nil {
		t.Fatalf("create after forget: %v", err)
	}
}
