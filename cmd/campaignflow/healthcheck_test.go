package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheckExitCodes(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ready\n")) }))
	defer ready.Close()
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: nats: connection closed\n"))
	}))
	defer notReady.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	cases := []struct {
		name, url string
		code      int
		want      string
	}{
		{"ready", ready.URL + "/readyz", 0, "200 ready"},
		{"not ready", notReady.URL + "/readyz", 1, "503: not ready: nats: connection closed"},
		{"nobody listening", downURL + "/readyz", 1, "connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := execOps(t, "", "healthcheck", "--url", tc.url, "--timeout", "2s")
			if r.code() != tc.code {
				t.Fatalf("exit %d, want %d (%v)", r.code(), tc.code, r.err)
			}
			got := r.stdout
			if r.err != nil {
				got = r.err.Error()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output %q; want it to contain %q", got, tc.want)
			}
		})
	}
}
