package telemetry

import (
	"fmt"
	"testing"
)

// TestEventTypeLabelIsBounded: a publisher inventing event types (subjects
// are input) cannot grow the event_type label past maxEventTypes values.
func TestEventTypeLabelIsBounded(t *testing.T) {
	var set eventTypeSet
	seen := map[string]bool{}
	for i := range 1000 {
		seen[set.label(fmt.Sprintf("invented-%d", i))] = true
	}
	if len(seen) > maxEventTypes+1 || !seen["other"] {
		t.Fatalf("%d distinct labels for 1000 invented types", len(seen))
	}
	if got := set.label("invented-0"); got != "invented-0" {
		t.Fatalf("a type seen before the cap became %q", got)
	}
	if labels("a", "1", "b", "2") != labels("a", "1", "b", "2") {
		t.Fatal("the same label values gave two options")
	}
}
