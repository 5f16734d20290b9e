package telemetry_test

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestObserveRetryCountsByBoundedEndpoint: each call is one retry of its
// endpoint; an endpoint that is not a plain /v1 path is counted as "other".
func TestObserveRetryCountsByBoundedEndpoint(t *testing.T) {
	tel, _ := newTelemetry(t)
	failed := errors.New("chatinc: /v1/create/audience: 429 Too Many Requests")
	for _, ep := range []string{"/v1/create/audience", "/v1/create/audience", "/v1/retrieve/campaigns", "/v1/" + strings.Repeat("x", 80)} {
		tel.ObserveRetry(ep, 1, time.Second, failed)
	}
	fams := scrape(t, tel)
	tests := []struct {
		endpoint string
		want     float64
	}{
		{"/v1/create/audience", 2},
		{"/v1/retrieve/campaigns", 1},
		{"other", 1},
	}
	for _, tt := range tests {
		if got, ok := value(fams, "campaignflow_chatinc_retries_total", map[string]string{"endpoint": tt.endpoint}); !ok || got != tt.want {
			t.Errorf("campaignflow_chatinc_retries_total{endpoint=%q} = %v (present %v), want %v", tt.endpoint, got, ok, tt.want)
		}
	}
	if n := total(fams, "campaignflow_chatinc_retries_total"); n != 4 {
		t.Errorf("retries sum to %v, want 4", n)
	}
}
