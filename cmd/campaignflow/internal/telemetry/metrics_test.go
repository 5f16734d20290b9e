package telemetry_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestMetricsAfterEvents processes segment events (one Chat Inc call is
// refused with 429 once, so retried once), a valid promo and an invalid one, then reads
// /metrics and checks each family's series against what happened.
func TestMetricsAfterEvents(t *testing.T) {
	tel, _ := newTelemetry(t)
	e := newEnv(t, tel, "test-key", slog.LevelInfo,
		sandbox.Fault{Endpoint: "/v1/create/audience", Kind: "429", Rate: 1, Count: 1, RetryAfter: "0"})
	snapshots := e.collect(e.cfg.Names.Prefix + ".results.campaign.>")
	e.publish("customer-segment-updated", "seg-1", segment("vip", "+27820000001", "+27820000002", "not-a-number"), nil)
	e.publish("customer-segment-updated", "seg-2", segment("gold", "+27820000003"), nil)
	e.settled(15 * time.Second)
	e.publish("send-promo", "promo-bad", map[string]any{"promo_id": "p-bad"}, nil)
	e.publish("send-promo", "promo-1", promo("p-1", "Promo one", "vip"), nil)
	e.settled(20 * time.Second)
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) { n := len(snapshots()); return n >= 1, fmt.Sprintf("%d snapshots", n) })

	var fams = scrape(t, tel)
	tests := []struct {
		family  string
		labels  map[string]string
		want    float64
		atLeast bool
	}{
		{"campaignflow_events_total", map[string]string{"event_type": "customer-segment-updated", "outcome": "ack"}, 2, false},
		{"campaignflow_events_total", map[string]string{"event_type": "send-promo", "outcome": "ack"}, 1, false},
		{"campaignflow_events_total", map[string]string{"event_type": "send-promo", "outcome": "dead_letter"}, 1, false},
		{"campaignflow_dead_letters_total", map[string]string{"event_type": "send-promo", "class": "validation"}, 1, false},
		{"campaignflow_handler_duration_seconds", map[string]string{"event_type": "customer-segment-updated", "result": "ok"}, 2, false},
		{"campaignflow_handler_duration_seconds", map[string]string{"event_type": "send-promo", "result": "validation"}, 1, false},
		{"campaignflow_chatinc_requests_total", map[string]string{"endpoint": "/v1/create/audience", "status": "429"}, 1, false},
		{"campaignflow_chatinc_requests_total", map[string]string{"endpoint": "/v1/create/audience", "status": "200"}, 2, false},
		{"campaignflow_chatinc_requests_total", map[string]string{"endpoint": "/v1/create/campaign", "status": "200"}, 1, false},
		{"campaignflow_chatinc_requests_total", map[string]string{"endpoint": "/v1/run/campaign", "status": "200"}, 1, false},
		{"campaignflow_chatinc_request_duration_seconds", map[string]string{"endpoint": "/v1/create/audience", "status": "200"}, 2, false},
		{"campaignflow_chatinc_retries_total", map[string]string{"endpoint": "/v1/create/audience"}, 1, false},
		{"campaignflow_csv_rows_total", map[string]string{"event_type": "customer-segment-updated", "result": "accepted"}, 3, false},
		{"campaignflow_csv_rows_total", map[string]string{"event_type": "customer-segment-updated", "result": "rejected"}, 1, false},
		{"campaignflow_snapshots_published_total", nil, 1, true},
		{"campaignflow_chatinc_flow_limit", map[string]string{"class": "calls"}, 1, true},
		{"campaignflow_chatinc_flow_limit", map[string]string{"class": "uploads"}, 1, true},
		{"campaignflow_consumer_pending", map[string]string{"stream": e.cfg.Names.EventsStream, "consumer": e.cfg.Names.EventsConsumer}, 0, false},
		{"campaignflow_consumer_ack_pending", map[string]string{"stream": e.cfg.Names.EventsStream, "consumer": e.cfg.Names.EventsConsumer}, 0, false},
	}
	for _, tt := range tests {
		got, ok := value(fams, tt.family, tt.labels)
		switch {
		case !ok:
			t.Errorf("%s%v: no such series", tt.family, tt.labels)
		case tt.atLeast && got < tt.want, !tt.atLeast && got != tt.want:
			t.Errorf("%s%v = %v, want %v", tt.family, tt.labels, got, tt.want)
		}
	}
	// The results poller keeps polling the run, so a scrape may catch one of
	// its calls in flight: the gauge must come back to 0, not be 0 at once.
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		got, ok := value(scrape(t, tel), "campaignflow_chatinc_flow_in_flight", map[string]string{"class": "calls"})
		return ok && got == 0, fmt.Sprintf("campaignflow_chatinc_flow_in_flight{class=calls} = %v (present %v), want 0", got, ok)
	})
	if n := total(fams, "campaignflow_chatinc_retries_total"); n != 1 {
		t.Errorf("campaignflow_chatinc_retries_total sums to %v over all endpoints, want 1 (only the injected 429 was retried)", n)
	}
	if t.Failed() {
		for name := range fams {
			t.Log("family:", name)
		}
	}
}

// total sums every series of the counter family name.
func total(fams map[string]*dto.MetricFamily, name string) float64 {
	var n float64
	for _, m := range fams[name].GetMetric() {
		n += m.GetCounter().GetValue()
	}
	return n
}
