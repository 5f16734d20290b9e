package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// TestLedgerKeysWithIdsAsWritten: a promo id with . or : is escaped in its
// ledger keys (ids.Token); show and forget take the key with the id as
// written (README: `ledger forget promo.<id>.campaign --yes`) and use the
// stored key, saying so, and list --prefix takes an id as written too.
func TestLedgerKeysWithIdsAsWritten(t *testing.T) {
	env := newOpsEnv(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	put := func(key string, rec ledger.Record) {
		b, _ := json.Marshal(rec)
		if _, err := env.topo.Ledger.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
	const promo = "bf.2026:a"
	put(ledger.CampaignKey(promo), ledger.Record{State: ledger.StateDone, IntentAt: at, Outcome: ledger.Outcome{CampaignID: "cmp_esc"}, DoneAt: at})
	put(ledger.RunKey(promo, at), ledger.Record{State: ledger.StateDone, IntentAt: at, Outcome: ledger.Outcome{CampaignID: "cmp_esc", RunID: "run_esc"}, DoneAt: at})
	put(ledger.CampaignRunKey("c:1", at), ledger.Record{State: ledger.StateDone, IntentAt: at, Outcome: ledger.Outcome{RunID: "run_c1"}, DoneAt: at})
	nurl := []string{"--nats-url", env.url}
	unix := strconv.FormatInt(at.Unix(), 10)

	for key, want := range map[string]string{
		"promo.bf.2026:a.campaign":     `"campaign_id": "cmp_esc"`,
		"promo.bf.2026:a.run." + unix:  `"run_id": "run_esc"`,
		"campaign.c:1.run." + unix:     `"run_id": "run_c1"`,
		"promo.bf=2E2026=3Aa.campaign": `"campaign_id": "cmp_esc"`, // the stored key itself
	} {
		r := execOps(t, "", append([]string{"ledger", "show", key}, nurl...)...)
		if r.code() != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("ledger show %s: exit %d, %v; stdout lacks %q:\n%s", key, r.code(), r.err, want, r.stdout)
		}
	}
	// list --prefix with the id as written, whole or its start.
	for prefix, want := range map[string]int{"promo.bf.2026:a.": 2, "promo.bf.2026:": 2, "campaign.c:1.": 1, "promo.bf.2027:a.": 0,
		"promo.bf.2026:a.run": 1, "promo.bf.2026:a.camp": 1, "promo.bf.2026:a.run.": 1, "campaign.c:1.run": 1} {
		r := execOps(t, "", append([]string{"ledger", "list", "--prefix", prefix, "--json"}, nurl...)...)
		var es []ledger.Entry
		if err := json.Unmarshal([]byte(r.stdout), &es); r.code() != 0 || err != nil || len(es) != want {
			t.Errorf("ledger list --prefix %s: exit %d, %v, %d entries (%v); want %d:\n%s", prefix, r.code(), r.err, len(es), err, want, r.stdout)
		}
		if want > 0 && !strings.Contains(r.stderr, "are stored starting") {
			t.Errorf("ledger list --prefix %s: stderr %q; want it to name the stored prefix", prefix, r.stderr)
		}
	}
	r := execOps(t, "", append([]string{"ledger", "show", "promo.bf.2026:a.campaign"}, nurl...)...)
	if !strings.Contains(r.stderr, "promo.bf.2026:a.campaign is stored as promo.bf=2E2026=3Aa.campaign") {
		t.Errorf("stderr %q; want it to name the stored key", r.stderr)
	}
	r = execOps(t, "", append([]string{"ledger", "show", "promo.bf.2027:a.campaign"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.err.Error(), "campaignflow ledger list") {
		t.Errorf("show of a missing id: %v", r.err)
	}
	r = execOps(t, "", append([]string{"ledger", "forget", "promo.bf.2026:a.campaign", "--yes"}, nurl...)...)
	if r.code() != 0 || !strings.Contains(r.stdout, "forgot promo.bf=2E2026=3Aa.campaign") {
		t.Fatalf("forget: exit %d, %v: %s", r.code(), r.err, r.stdout)
	}
	if _, err := env.topo.Ledger.Get(ctx, ledger.CampaignKey(promo)); err == nil {
		t.Fatal("forget left the escaped key in place")
	}
}
