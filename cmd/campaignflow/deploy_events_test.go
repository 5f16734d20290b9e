package main_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/schemas"
)

// TestExampleEvents: events/ holds one example of every event type, named
// <type>.json, and each passes its JSON Schema and the worker's own checks
// (what `campaignflow validate event` and `publish` apply).
func TestExampleEvents(t *testing.T) {
	t.Chdir(deployDir)
	files, err := filepath.Glob("events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range files {
		typ := strings.TrimSuffix(filepath.Base(f), ".json")
		types = append(types, typ)
		t.Run(typ, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas.Validate(typ, b); err != nil {
				t.Errorf("%s fails its schema: %v", f, err)
			}
			if _, err := events.Parse(typ, b); err != nil {
				t.Errorf("%s fails the worker's checks: %v", f, err)
			}
		})
	}
	want := slices.Clone(events.Types)
	slices.Sort(want)
	slices.Sort(types)
	if !slices.Equal(types, want) {
		t.Errorf("events/ holds %v, want one example per type %v", types, want)
	}
}
