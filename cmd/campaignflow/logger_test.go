package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestJSONLogsWriteDurationsAsText: "1.5s", not 1500000000.
func TestJSONLogsWriteDurationsAsText(t *testing.T) {
	cfg := config.Defaults()
	cfg.Log.Format = "json"
	var buf pipelinetest.SyncBuffer
	newLogger(&cfg, &buf).Info("x", "grace", 1500*time.Millisecond)
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &m); err != nil || m["grace"] != "1.5s" {
		t.Fatalf("line %q (%v); want grace \"1.5s\"", buf.String(), err)
	}
}
