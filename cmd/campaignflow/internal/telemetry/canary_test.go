package telemetry_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestCanaryKeyAndNumbersNeverInInfoLogsOrSpans runs a worker with a canary
// API key against a sandbox expecting it, feeds it canary phone numbers
// (valid and invalid) in a segment event and runs a promo for them (plus an
// invalid promo, for a dead-letter line), and then greps every JSON log
// line at info level and every span attribute: no key, no full number.
func TestCanaryKeyAndNumbersNeverInInfoLogsOrSpans(t *testing.T) {
	const key = "canary-KEY-5f3a"
	tel, rec := newTelemetry(t)
	e := newEnv(t, tel, key, slog.LevelInfo)
	snapshots := e.collect(e.cfg.Names.Prefix + ".results.campaign.>")
	contacts := e.collect(e.cfg.Names.Prefix + ".results.contacts.>")
	e.publish("customer-segment-updated", "seg-canary", segment("vip", "+27 82 555 0101", "082 555 0102", "+27 82 555 0104 5555 55"), nil)
	e.settled(15 * time.Second)
	e.publish("send-promo", "promo-canary", promo("p-canary", "Canary promo", "vip"), nil)
	e.publish("send-promo", "promo-canary-bad", map[string]any{"promo_id": "p-canary-bad", "audiences": []string{"+27825550101"}}, nil)
	e.settled(20 * time.Second)
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		return len(snapshots()) >= 1 && len(contacts()) >= 1, fmt.Sprintf("%d snapshots, %d contact batches", len(snapshots()), len(contacts()))
	})
	if !strings.Contains(string(contacts()[0].Data), "+27825550101") {
		t.Fatalf("the canary number did not reach the results (the test would prove nothing): %s", contacts()[0].Data)
	}

	// Full canary numbers in any spelling: digits run, or spaced as sent.
	forbidden := []string{key, "5f3a", "8255501", "82 555 01", "555 01", "5550101", "5550102"}
	logs := e.logs.String()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) < 3 {
		t.Fatalf("only %d log lines; the worker should have logged its work at info:\n%s", len(lines), logs)
	}
	for i, line := range lines {
		for _, f := range forbidden {
			if strings.Contains(line, f) {
				t.Errorf("log line %d contains %q: %s", i+1, f, line)
			}
		}
	}
	if !strings.Contains(logs, `"trace_id":`) || !strings.Contains(logs, `"event_id":"seg-canary"`) {
		t.Errorf("no log line carries the event's id and trace id:\n%s", logs)
	}
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			for _, f := range forbidden {
				if strings.Contains(a.Value.String(), f) {
					t.Errorf("span %q attribute %s contains %q: %s", s.Name(), a.Key, f, a.Value.String())
				}
			}
		}
		for _, ev := range s.Events() {
			for _, a := range ev.Attributes {
				for _, f := range forbidden {
					if strings.Contains(a.Value.String(), f) {
						t.Errorf("span %q event %s attribute %s contains %q", s.Name(), ev.Name, a.Key, f)
					}
				}
			}
		}
	}
}
