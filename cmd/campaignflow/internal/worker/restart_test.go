package worker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// embeddedSandbox runs the worker without an API key, so it embeds the
// sandbox, keeping its state under the test's data dir.
func embeddedSandbox(dir string) envOption {
	return func(c *config.Config, _ *sandbox.Options) {
		c.ChatInc.APIKey = ""
		c.NATS.DataDir = dir
		c.Sandbox.ApproveAfter = 0 // at once
	}
}

// campaignsOf lists the embedded sandbox's campaigns titled title.
func (e *env) embeddedCampaigns(title string) []sandbox.CampaignState {
	var out []sandbox.CampaignState
	for _, c := range e.w.Sandbox().Campaigns() {
		if c.Title == title {
			out = append(out, c)
		}
	}
	return out
}

// TestRestartWithSameDataDirKeepsPromosWorking: the embedded sandbox keeps
// its state under the data dir, so after a restart the ledger's campaign is
// still there (a new run of the same promo works, not a dead letter), and a
// new promo gets a new campaign id, never one handed out before.
func TestRestartWithSameDataDirKeepsPromosWorking(t *testing.T) {
	dataDir := t.TempDir()
	e := newEnv(t, embeddedSandbox(dataDir))
	promo := func(id, promoID, title, at string) {
		body := map[string]any{"event_id": id, "promo_id": promoID, "title": title,
			"message": "Hi {customers.first_name}", "audiences": []string{"vip-shoppers"}}
		if at != "" {
			body["schedule"] = map[string]string{"at": at}
		}
		e.publish("send-promo", id, body)
	}
	promo("p1", "bf", "Black Friday", "")
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		cs := e.embeddedCampaigns("Black Friday")
		return len(cs) == 1 && len(cs[0].Runs) == 1, fmt.Sprintf("campaigns %+v", cs)
	})
	first := e.embeddedCampaigns("Black Friday")[0]
	e.settled(10 * time.Second)
	e.stop()

	e.start()
	if cs := e.embeddedCampaigns("Black Friday"); len(cs) != 1 || cs[0].ID != first.ID || len(cs[0].Runs) != 1 {
		t.Fatalf("after restart the sandbox has %+v; want campaign %s with its run", cs, first.ID)
	}
	promo("p2", "bf", "Black Friday", "2026-01-01T09:00:00Z") // a past time: runs now, on the ledger's campaign
	promo("p3", "cm", "Cyber Monday", "")
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		bf, cm := e.embeddedCampaigns("Black Friday"), e.embeddedCampaigns("Cyber Monday")
		return len(bf) == 1 && len(bf[0].Runs) == 2 && len(cm) == 1 && len(cm[0].Runs) == 1, fmt.Sprintf("campaigns %+v %+v, dead letters %+v", bf, cm, e.deadLetters())
	})
	e.settled(10 * time.Second)
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Fatalf("dead letters after restart: %+v", dl)
	}
	bf, cm := e.embeddedCampaigns("Black Friday")[0], e.embeddedCampaigns("Cyber Monday")[0]
	if cm.ID == bf.ID || cm.Runs[0].ID == bf.Runs[0].ID || cm.Runs[0].ID == bf.Runs[1].ID || bf.Runs[0].ID == bf.Runs[1].ID {
		t.Fatalf("an id was handed out twice: %+v %+v", bf, cm)
	}
}
