package main

import (
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline"
)

// TestLongValuesCutInProblems: a 900 KB quiet_hours or frequency_cap.per is
// echoed in its problem cut as the worker cuts the same error
// (pipeline.Truncate to pipeline.MaxErrorHeader), by validate event and by
// promo preview (text and --json).
func TestLongValuesCutInProblems(t *testing.T) {
	e := newPreviewEnv(t)
	long := strings.Repeat("9", 900<<10)
	const head = `{"promo_id":"p","title":"t","message":"Hi","audiences":["vip-shoppers"]`
	for name, body := range map[string]string{
		"quiet_hours":       head + `,"quiet_hours":"` + long + `"}`,
		"frequency_cap.per": head + `,"frequency_cap":{"max":2,"per":"` + long + `d"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			v := execOps(t, body, "validate", "event", "send-promo", "-")
			p := e.preview(t, body, "--file", "-")
			j := e.preview(t, body, "--file", "-", "--json")
			for what, r := range map[string]opsResult{"validate event": v, "promo preview": p, "promo preview --json": j} {
				if r.code() != 1 || !strings.Contains(r.stdout+r.stderr, "(truncated)") {
					t.Errorf("%s: exit %d, no problem cut:\n%.2000s", what, r.code(), r.stdout+r.stderr)
				}
				for _, l := range strings.Split(r.stdout+r.stderr, "\n") {
					if len(l) > pipeline.MaxErrorHeader+64 {
						t.Errorf("%s: a line of %d bytes: %.200s...", what, len(l), l)
					}
				}
			}
		})
	}
}
