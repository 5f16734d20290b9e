package handlers

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

const contractPromo = `{"event_id":"promo-bf-2026","promo_id":"bf-2026","title":"Black Friday 2026",
  "message":"Hi {customers.first_name}, 30% off today.",
  "buttons":[{"text":"Shop now","type":"url","url":"https://shop.example.com/bf"}],
  "audiences":["vip"],"language_code":"enUS"}`

func TestHandleDispatchesAndClassifies(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	ctx := context.Background()
	tests := []struct {
		name, typ, body string
		ok              bool
		class           pipeline.Class
	}{
		{"segment", "customer-segment-updated", `{"audience":{"id":"vip"},"contacts":[{"number":"0821112222"}]}`, true, 0},
		{"promo", "send-promo", contractPromo, true, 0},
		{"cancel absent schedule", "schedule-cancelled", `{"promo_id":"nothing-stored"}`, true, 0},
		{"bad json", "send-promo", `{"promo_id":`, false, pipeline.ClassValidation},
		{"missing fields", "send-promo", `{"promo_id":"x"}`, false, pipeline.ClassValidation},
		{"unknown type", "no-such-event", `{}`, false, pipeline.ClassPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.handle(ctx, tt.typ, "id-"+tt.name, []byte(tt.body))
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if c := pipeline.ClassOf(err); err == nil || c != tt.class {
				t.Fatalf("class %s err %v, want %s", c, err, tt.class)
			}
		})
	}
	if rep := e.report(t, "id-segment"); rep.EventID != "id-segment" {
		t.Fatalf("report event id %q", rep.EventID)
	}
}

func TestConcurrentDeliveriesMakeOneCampaignOneRun(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { errs[i] = e.handle(ctx, "send-promo", "dup", []byte(contractPromo)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			continue
		}
		if c := pipeline.ClassOf(err); c != pipeline.ClassTransient || !errors.Is(err, ledger.ErrBusy) {
			t.Fatalf("concurrent delivery failed with %v (class %s); want nil or transient ErrBusy", err, c)
		}
	}
	cs := e.sb.Campaigns()
	if len(cs) != 1 || len(e.sb.Runs(cs[0].ID)) > 1 {
		t.Fatalf("%d campaigns, want 1 with at most 1 run", len(cs))
	}
}
