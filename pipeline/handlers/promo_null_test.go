package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
)

// TestPromoNullCapIsRefused: "frequency_cap": null (or any optional field
// given as null, which the schema refuses) reaches the handler as a
// validation error, to be dead-lettered, as validate event and promo
// preview say: the promo is not run uncapped, and nothing is created.
func TestPromoNullCapIsRefused(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	for _, field := range []string{`"frequency_cap":null`, `"schedule":null`, `"quiet_hours":null`} {
		body := `{"promo_id":"nul","title":"T","message":"Hi","audiences":["vip"],` + field + `}`
		err := e.handle(context.Background(), "send-promo", "ev-null", []byte(body))
		name, _, _ := strings.Cut(strings.Trim(field, `"`), `"`)
		if pipeline.ClassOf(err) != pipeline.ClassValidation || !strings.Contains(err.Error(), name+": is null") {
			t.Errorf("%s: %v (class %v), want a validation error at %s", field, err, pipeline.ClassOf(err), name)
		}
	}
	if cs := e.sb.Campaigns(); len(cs) != 0 {
		t.Errorf("campaigns made: %v", cs)
	}
}
