package main

import (
	"strings"
	"testing"
)

// TestValidateRefusesValuesThatOverloadAWorker: values that crashed or
// overloaded `run` (out of memory, idle CPU) are refused, each with its
// allowed range and default.
func TestValidateRefusesValuesThatOverloadAWorker(t *testing.T) {
	file := writeValidateFile(t, "hostile.yaml", `
consumer: {max_ack_pending: 999999999999, concurrency: 1000000, grace: 9999999h}
results: {repair_interval: 1ns, poll_offsets: [99999h]}
csv: {max_columns: 99999999999, allowed_hosts: ["http://evil", "*"]}
chatinc: {retry_max_attempts: 0}
sandbox: {approve_after: -5s}
`)
	r := execOps(t, "", "validate", "--config", file, "--ignore-env")
	want := []string{
		"consumer.max_ack_pending: 999999999999 must be between 1 and 10000",
		"consumer.concurrency: 1000000 must be between 0 and 4096",
		`consumer.grace: "9999999h" is out of range`,
		"results.repair_interval: 1ns must be at least 1s (default 1m)",
		"results.poll_offsets[0]: 99999h0m0s must be at most 720h0m0s",
		"csv.max_columns: 99999999999 must be between 1 and 16384",
		`csv.allowed_hosts[0]: "http://evil" is a URL, not a host name`,
		`csv.allowed_hosts[1]: "*" has a wildcard`,
		"chatinc.retry_max_attempts: 0 must be between 1 and 100 (it counts tries, the first one included",
		"sandbox.approve_after: -5s must be 0s (approve at once) or more",
	}
	if r.code() != 1 || !strings.Contains(r.stderr, "has 10 problem(s)") {
		t.Errorf("exit %d, want 1 and 10 problems:\n%s", r.code(), r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not list %q:\n%s", w, r.stderr)
		}
	}
}

// TestBadFlagValuesAreRefusedUpFront: sim and demo refuse values they
// cannot work with before starting anything, and a flag error points to
// the command's --help.
func TestBadFlagValuesAreRefusedUpFront(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--addr", "127.0.0.1:0", "--time-scale", "-1"}, "--time-scale: -1 must be a number above 0"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--time-scale", "0"}, "--time-scale: 0 must be a number above 0"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--time-scale", "NaN"}, "--time-scale: NaN must be a number above 0"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--approve-after", "-1s"}, "--approve-after: -1s must be 0s (approve at once) or more"},
		{[]string{"demo", "--contacts", "0"}, "demo: --contacts 0 must be at least 1"},
		{[]string{"demo", "--contacts", "-5"}, "demo: --contacts -5 must be at least 1"},
		{[]string{"import", "--bogus"}, "unknown flag: --bogus; see 'campaignflow import --help'"},
		{[]string{"dlq", "list", "--bogus"}, "unknown flag: --bogus; see 'campaignflow dlq list --help'"},
		{[]string{"sim", "--seed", "x"}, "; see 'campaignflow sim --help'"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := execOpsWithin(t, "", tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("err %v; want %q", r.err, tc.want)
			}
		})
	}
}
