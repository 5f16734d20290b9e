package telemetry_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
)

func TestEndpointLabelIsBounded(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://x/v1/create/campaign", "/v1/create/campaign"},
		{"http://x/v1/retrieve/campaigns?active=true", "/v1/retrieve/campaigns"},
		{"http://x/_sim/state", "other"},
		{"http://x/v1/" + strings.Repeat("a", 80), "other"},
		{"http://x/v1/a%20b", "other"},
		{"http://x/", "other"},
	}
	for _, tt := range tests {
		if got := telemetry.Endpoint(httptest.NewRequest("GET", tt.url, nil)); got != tt.want {
			t.Errorf("Endpoint(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
