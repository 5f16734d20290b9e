package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// get fetches url and returns the status and body (0 when nobody answers).
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRunServesHealthReadinessAndMetrics runs `campaignflow run` against a
// real nats-server and the sandbox: /healthz answers, /readyz turns ready,
// /metrics counts the events handled, /readyz turns not-ready while
// nats-server is down and ready again when it is back, and SIGTERM (context
// cancel) ends the command with no error.
func TestRunServesHealthReadinessAndMetrics(t *testing.T) {
	srv, natsURL := natstest.RunJetStream(t)
	_, simURL := sandboxtest.Start(t, sandbox.Options{APIKey: "run-test-key"})
	t.Setenv("CHATINC_API_KEY", "run-test-key")
	bound := make(chan string, 1)
	httpListening = func(addr string) { bound <- addr }
	defer func() { httpListening = nil }()

	ctx, cancel := context.WithCancel(context.Background())
	root := newRootCmd()
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"run", "--nats-url", natsURL, "--chatinc-url", simURL, "--http-addr", "127.0.0.1:0",
		"--worker-id", "run-test", "--log-level", "error", "--data-dir", t.TempDir()})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run ended with %v, want nil on SIGTERM", err)
			}
		case <-time.After(40 * time.Second):
			t.Error("run did not stop within 40s of its context ending")
		}
	}()

	var base string
	select {
	case addr := <-bound:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("run ended before serving HTTP: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not start its HTTP server within 20s")
	}
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		code, body := get(t, base+"/readyz")
		return code == http.StatusOK, fmt.Sprintf("/readyz answers %d %s", code, body)
	})
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d %q", code, body)
	}

	js := natstest.JetStream(t, natsURL)
	for _, id := range []string{"seg-1", "seg-2"} {
		body := `{"event_id":"` + id + `","audience":{"id":"vip","name":"VIP"},"contacts":[{"number":"+27821234567"}]}`
		if _, err := js.Publish(ctx, "chatinc.events.customer-segment-updated", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	want := `campaignflow_events_total{event_type="customer-segment-updated",outcome="ack"`
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		_, body := get(t, base+"/metrics")
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, want) && strings.HasSuffix(line, " 2") {
				return true, ""
			}
		}
		return false, "/metrics does not count two acked segment events yet"
	})
	_, metrics := get(t, base+"/metrics")
	for _, name := range []string{"campaignflow_handler_duration_seconds_bucket", "campaignflow_chatinc_requests_total",
		"campaignflow_csv_rows_total", "campaignflow_consumer_pending"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	restart := natstest.Down(t, srv)
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		code, body := get(t, base+"/readyz")
		return code == http.StatusServiceUnavailable, fmt.Sprintf("with nats-server down /readyz answers %d %s", code, body)
	})
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d while NATS is down; the process still lives", code)
	}
	restart()
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		code, body := get(t, base+"/readyz")
		return code == http.StatusOK, fmt.Sprintf("after nats-server returned /readyz answers %d %s", code, body)
	})
}
