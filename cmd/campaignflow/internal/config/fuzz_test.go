package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

// FuzzLoadFile: whatever a config file holds, Load does not panic, and
// every problem is found before decoding (no "decoding the configuration"
// problem, which would mean a wrong type slipped through unnamed).
func FuzzLoadFile(f *testing.F) {
	for _, seed := range []string{
		"consumer: {max_deliver: ten, grace: 30}\n",
		"nats: 5\nchatinc: [1]\n",
		"nats: {url: {a: 1}, replicas: 1e3}\n",
		"results: {poll_offsets: [1m, '', 3d, 1.5d, .inf]}\n",
		"schedules: [{name: a, audiences: [[x]], cron: {a: 1}}, 7]\n",
		"schedules: {a: 1}\ncsv: {allowed_dirs: 5}\n",
		"worker_id: [a]\nsandbox: {seed: 99999999999999999999, time_scale: .nan}\n",
		"names: {prefix: null}\nlog: ~\n",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(dir, "fuzz.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		checkLoad(t, config.LoadOptions{File: path})
	})
}

// FuzzEnvValue: any text in any variable is accepted or named as a problem.
func FuzzEnvValue(f *testing.F) {
	for _, seed := range [][2]string{
		{"CAMPAIGNFLOW_CONSUMER__GRACE", "30"}, {"CAMPAIGNFLOW_RESULTS__POLL_OFFSETS", "1m,,x"},
		{"CAMPAIGNFLOW_NATS__REPLICAS", "0x10"}, {"CAMPAIGNFLOW_CHATINC__RATE_LIMIT", "Inf"},
		{"CAMPAIGNFLOW_NAMES", "x"}, {"CAMPAIGNFLOW_PROMO__APPROVAL_WAIT", "99999999d"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		checkLoad(t, config.LoadOptions{Env: []string{name + "=" + value}})
	})
}

func checkLoad(t *testing.T, o config.LoadOptions) {
	t.Helper()
	_, err := config.Load(o)
	if err == nil {
		return
	}
	var p config.Problems
	if !errors.As(err, &p) {
		if strings.Contains(err.Error(), "is not valid YAML") {
			return
		}
		t.Fatalf("Load returned %T %v, want config.Problems", err, err)
	}
	for _, problem := range p {
		if strings.Contains(problem, "decoding the configuration") {
			t.Fatalf("a type problem was not caught before decoding: %s", problem)
		}
	}
}
