package sandbox_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// TestRateLimit: a token bucket of N calls per second with a burst of N;
// the call above it gets 429 with Retry-After; the limit changes at run time
// through /_sim/rate-limit, and 0 lifts it.
func TestRateLimit(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sb, base := sandboxtest.Start(t, sandbox.Options{Clock: clock, RateLimit: 2})
	list := func() (int, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+sandbox.PathRetrieveAudiences, nil)
		req.Header.Set("Authorization", "k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	for i := range 2 {
		if code, _ := list(); code != 200 {
			t.Fatalf("call %d within the burst: %d", i+1, code)
		}
	}
	code, hdr := list()
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "1" {
		t.Fatalf("third call in the same instant: %d Retry-After %q, want 429 and 1", code, hdr.Get("Retry-After"))
	}
	clock.Advance(500 * time.Millisecond) // one token back at 2/s
	if code, _ := list(); code != 200 {
		t.Fatalf("after 500ms: %d", code)
	}
	if code, _ := list(); code != 429 {
		t.Fatalf("second call after 500ms: %d, want 429", code)
	}
	if sb.Throttled() != 2 || sb.State().Throttled != 2 || sb.Admitted() != 3 {
		t.Fatalf("throttled = %d (state %d), admitted %d; want 2 and 3", sb.Throttled(), sb.State().Throttled, sb.Admitted())
	}

	if code, m, raw := post(t, base, "/_sim/rate-limit", "", []byte(`{"per_second": 0}`)); code != 200 || m["per_second"] != 0.0 {
		t.Fatalf("lift the limit: %d %s", code, raw)
	}
	for i := range 10 {
		if code, _ := list(); code != 200 {
			t.Fatalf("call %d without a limit: %d", i+1, code)
		}
	}
	if code, _, raw := post(t, base, "/_sim/rate-limit", "", []byte(`{"per_second": 3}`)); code != 200 || sb.RateLimit() != 3 {
		t.Fatalf("set 3/s: %d %s", code, raw)
	}
	for i := range 3 {
		if code, _ := list(); code != 200 {
			t.Fatalf("call %d within the new burst: %d", i+1, code)
		}
	}
	if code, _ := list(); code != 429 {
		t.Fatalf("fourth call at 3/s: %d, want 429", code)
	}
	if code, _, raw := post(t, base, "/_sim/rate-limit", "", []byte(`{"per_second": -1}`)); code != 400 || !strings.Contains(string(raw), "per_second") {
		t.Fatalf("negative limit: %d %s", code, raw)
	}
	if code, _, raw := post(t, base, "/_sim/rate-limit", "", []byte(`{}`)); code != 400 {
		t.Fatalf("missing per_second: %d %s", code, raw)
	}
}

// TestApproveAtOnce: a campaign created with ApproveAtOnce can run at once.
func TestApproveAtOnce(t *testing.T) {
	_, base := sandboxtest.Start(t, sandbox.Options{ApproveAfter: sandbox.ApproveAtOnce})
	post(t, base, "/v1/create/audience", "k", []byte(`{"id":"a","name":"a","contacts":[{"number":"+27821234567"}]}`))
	_, m, _ := post(t, base, "/v1/create/campaign", "k", []byte(`{"title":"t","message":"m"}`))
	id, _ := m["campaignId"].(string)
	if code, _, raw := post(t, base, "/v1/run/campaign", "k", []byte(`{"campaignId":"`+id+`","audiences":["a"]}`)); code != 200 {
		t.Fatalf("run right after create: %d %s", code, raw)
	}
}
