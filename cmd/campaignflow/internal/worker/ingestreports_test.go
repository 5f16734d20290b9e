package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
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
			if !hasReport(t, e, "bad-row-1") {
				t.Errorf("%s: no ingest report for the event with a rejected row", tc.setting)
			}
			if got := hasReport(t, e, "clean-1"); got != tc.cleanHasOne {
				t.Errorf("%s: clean event has a report: %v, want %v", tc.setting, got, tc.cleanHasOne)
			}
		})
	}
}

// hasReport says whether the results stream holds an ingest report of
// eventID (settled first: the report is published before the event's ack).
func hasReport(t *testing.T, e *env, eventID string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, e.cfg.Names.ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetLastMsgForSubject(ctx, e.cfg.Names.ResultIngestSubject(eventID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false
	}
	if err != nil {
		t.Fatalf("ingest report of %s: %v", eventID, err)
	}
	return true
}
