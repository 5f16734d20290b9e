package telemetry_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestSlowChatIncCallShowsInGaugeAndLog holds a Chat Inc call in the
// sandbox for 2s with a 100ms slow-call threshold: while it hangs the gauge
// says 1 and a warning names the endpoint; once it returns the gauge is 0.
func TestSlowChatIncCallShowsInGaugeAndLog(t *testing.T) {
	logs := &pipelinetest.SyncBuffer{}
	tel, err := telemetry.Setup(context.Background(), telemetry.WithGetenv(func(string) string { return "" }),
		telemetry.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), telemetry.WithSlowCallAfter(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	_, base := sandboxtest.Start(t, sandbox.Options{APIKey: "k",
		Faults: []sandbox.Fault{{Endpoint: "/v1/retrieve/campaigns", Kind: sandbox.FaultLatency, Rate: 1, Count: 1, Latency: 2 * time.Second}}})
	hc := &http.Client{Transport: tel.Transport(nil)}
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/retrieve/campaigns", nil)
		req.Header.Set("Authorization", "k")
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	gauge := func() float64 {
		v, _ := value(scrape(t, tel), "campaignflow_chatinc_calls_slow", nil)
		return v
	}
	pipelinetest.Eventually(t, 5*time.Second, func() (bool, string) {
		g := gauge()
		return g == 1 && strings.Contains(logs.String(), "chatinc: call still in flight"), fmt.Sprintf("gauge %v, logs %q", g, logs.String())
	})
	if !strings.Contains(logs.String(), "endpoint=/v1/retrieve/campaigns") {
		t.Errorf("warning does not name the endpoint: %s", logs.String())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if g := gauge(); g != 0 || tel.SlowCalls() != 0 {
		t.Errorf("after the call returned: gauge %v, SlowCalls %d; want 0", g, tel.SlowCalls())
	}
	if v, ok := value(scrape(t, tel), "campaignflow_chatinc_calls_in_flight", nil); !ok || v != 0 {
		t.Errorf("calls_in_flight = %v (present %v), want 0", v, ok)
	}
}
