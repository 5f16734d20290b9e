package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// TestIngestReportsFollowTheirSetting: at the default
// (results.ingest_reports: rejected) a segment event whose contacts were all
// taken has no report and one with a rejected row has its report; with
// "all" both have one.
func TestIngestReportsFollowTheirSetting(t *testing.T) {
	for _, tc := range []struct {
		setting     string
		cleanHasOne bool
	}{
		{config.Defaults().Results.IngestReports, false},
		{config.IngestReportsAll, true},
	} {
		t.Run(tc.setting, func(t *testing.T) {
			e := newEnv(t, func(c *config.Config, _ *sandbox.Options) { c.Results.IngestReports = tc.setting })
			e.publish("customer-segment-updated", "clean-1", map[string]any{
				"audience": map[string]string{"id": "vip", "name": "vip"}, "contacts": []map[string]any{{"number": "+27820000001"}}})
			e.publish("customer-segment-updated", "bad-row-1", map[string]any{
				"audience": map[string]string{"id": "vip", "name": "vip"}, "contacts": []map[string]any{{"number": "+27820000002"}, {"number": "nope"}}})
			e.settled(20 * time.Second)
			if got, _ := e.sim.Audience("vip"); len(got) != 2 {
				t.Fatalf("audience vip holds %v, want 2 contacts (both events handled)", got)
			}
			if _, ok := ingestReport(t, e.js, e.cfg.Names, "bad-row-1"); !ok {
				t.Errorf("%s: no ingest report for the event with a rejected row", tc.setting)
			}
			if _, got := ingestReport(t, e.js, e.cfg.Names, "clean-1"); got != tc.cleanHasOne {
				t.Errorf("%s: clean event has a report: %v, want %v", tc.setting, got, tc.cleanHasOne)
			}
		})
	}
}

// ingestReport reads the ingest report of eventID from the results
// stream; ok is false when it has none (call it once the event is settled:
// the report is published before the event's ack).
func ingestReport(t *testing.T, js jetstream.JetStream, names sources.Names, eventID string) (rep sinks.IngestReport, ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, names.ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.GetLastMsgForSubject(ctx, names.ResultIngestSubject(eventID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return rep, false
	}
	if err != nil {
		t.Fatalf("ingest report of %s: %v", eventID, err)
	}
	if err := json.Unmarshal(raw.Data, &rep); err != nil {
		t.Fatalf("ingest report of %s: %v", eventID, err)
	}
	return rep, true
}
