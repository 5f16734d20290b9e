package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

// flagSet is the CLI's config flags as plain text flags, parsed from args.
func flagSet(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	for _, name := range []string{"nats-url", "nats-listen", "http-addr", "worker-id", "sandbox-addr", "time-scale", "approve-after"} {
		fs.String(name, "", "")
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// load loads file text (if any), env and flag args.
func load(t *testing.T, file string, env []string, args ...string) (*config.Config, error) {
	t.Helper()
	o := config.LoadOptions{Env: env, Flags: flagSet(t, args...)}
	if file != "" {
		o.File = write(t, file)
	}
	return config.Load(o)
}

// loadProblems loads file text (if any), env and flag args and returns the
// problems; any other error fails the test.
func loadProblems(t *testing.T, file string, env []string, args ...string) config.Problems {
	t.Helper()
	_, err := load(t, file, env, args...)
	if err == nil {
		return nil
	}
	var p config.Problems
	if !errors.As(err, &p) {
		t.Fatalf("Load returned %T %v, want config.Problems", err, err)
	}
	return p
}

// TestTypeProblems: a value of the wrong type is one problem naming where it
// was written (key, environment variable or flag), the value and what to
// write; it is reported alongside every other problem, and causes no
// follow-on problem (the key keeps its default).
func TestTypeProblems(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  []string
		args []string
		want []string // one substring per problem, in order
	}{
		{name: "integer, with another problem", file: "consumer: {max_deliver: ten}\nsinks: {format: csv}\n",
			want: []string{`consumer.max_deliver: "ten" is not an integer`, `sinks.format: "csv" must be parquet or ndjson`}},
		{name: "integer, the only problem", file: "consumer: {max_deliver: ten}\n",
			want: []string{`consumer.max_deliver: "ten" is not an integer (write a whole number`}},
		{name: "fraction for an integer", file: "chatinc: {batch_size: 2.5}\n", want: []string{"chatinc.batch_size: 2.5 is not an integer"}},
		{name: "boolean for an integer", file: "nats: {replicas: true}\n", want: []string{"nats.replicas: true is not an integer"}},
		{name: "word for a number", file: "chatinc: {rate_limit: fast}\n", want: []string{`chatinc.rate_limit: "fast" is not a number (write e.g. 20`}},
		{name: "NaN for a number", file: "chatinc: {rate_limit: .nan}\n", want: []string{"chatinc.rate_limit: NaN is not a number"}},
		{name: "list for a text", file: "nats: {url: [a, b]}\n", want: []string{"nats.url: a list is not a single value; write one value"}},
		{name: "mapping for a text", file: "nats: {url: {host: x}}\n", want: []string{"nats.url: a mapping is not a single value"}},
		{name: "date for a text", file: "worker_id: 2024-01-01\n", want: []string{"worker_id: 2024-01-01 00:00:00 +0000 UTC is not text (YAML read it as a time.Time); put it in quotes"}},
		{name: "value for a section", file: "nats: 5\n", want: []string{"nats: 5 is not a mapping of keys; write its keys under it"}},
		{name: "mapping for a list", file: "csv: {allowed_dirs: {a: 1}}\n", want: []string{"csv.allowed_dirs: a mapping is not a list"}},
		{name: "list in a list", file: "csv: {allowed_dirs: [/data, [x]]}\n", want: []string{"csv.allowed_dirs[1]: a list is not a single value"}},
		{name: "bad durations", file: "consumer: {ack_wait: soon, grace: 10 minutes}\n", want: []string{
			`consumer.ack_wait: "soon" is not a duration (use e.g. 30s`, `consumer.grace: "10 minutes" is not a duration`}},
		{name: "bare number for a duration", file: "consumer: {grace: 30}\n", want: []string{"consumer.grace: 30 has no unit; write 30s"}},
		{name: "duration too long to count", file: "consumer: {grace: 9999999h}\n",
			want: []string{`consumer.grace: "9999999h" is out of range: the longest duration is about 290 years (2562047h)`}},
		{name: "quoted bare number for a duration", file: "promo: {approval_wait: \"1.5\"}\n",
			want: []string{"promo.approval_wait: 1.5 has no unit; write 1.5s"}},
		{name: "fraction of days", file: "promo: {approval_wait: 1.5d}\n", want: []string{`promo.approval_wait: "1.5d" is not a duration`}},
		{name: "poll offsets items", file: "results: {poll_offsets: [1m, soon, 30]}\n", want: []string{
			`results.poll_offsets[1]: "soon" is not a duration`, "results.poll_offsets[2]: 30 has no unit; write 30s"}},
		{name: "schedule field", file: "schedules: [{name: a, promo_id: p, cron: '@daily', audiences: {x: 1}}]\n",
			want: []string{"schedules[0].audiences: a mapping is not a list"}},
		{name: "schedule not a mapping", file: "schedules: [7]\n", want: []string{"schedules[0]: 7 is not a mapping; write each schedule as keys"}},
		{name: "env duration", env: []string{"CAMPAIGNFLOW_CONSUMER__ACK_WAIT=soon"},
			want: []string{`environment CAMPAIGNFLOW_CONSUMER__ACK_WAIT (consumer.ack_wait): "soon" is not a duration`}},
		{name: "env bare duration", env: []string{"CAMPAIGNFLOW_CONSUMER__GRACE=30"},
			want: []string{"environment CAMPAIGNFLOW_CONSUMER__GRACE (consumer.grace): 30 has no unit; write 30s"}},
		{name: "env empty duration", env: []string{"CAMPAIGNFLOW_SINKS__ROLL_AGE="},
			want: []string{`environment CAMPAIGNFLOW_SINKS__ROLL_AGE (sinks.roll_age): "" is not a duration`}},
		{name: "env integer", env: []string{"CAMPAIGNFLOW_CONSUMER__MAX_DELIVER=ten"},
			want: []string{`environment CAMPAIGNFLOW_CONSUMER__MAX_DELIVER (consumer.max_deliver): "ten" is not an integer`}},
		{name: "env poll offsets", env: []string{"CAMPAIGNFLOW_RESULTS__POLL_OFFSETS=1m,x"},
			want: []string{`environment CAMPAIGNFLOW_RESULTS__POLL_OFFSETS (results.poll_offsets[1]): "x" is not a duration`}},
		{name: "env section", env: []string{"CAMPAIGNFLOW_NATS=x"},
			want: []string{"environment CAMPAIGNFLOW_NATS (nats): nats is a section, not a key; set one of its keys instead (e.g. CAMPAIGNFLOW_NATS__<KEY>)"}},
		{name: "env schedules", env: []string{"CAMPAIGNFLOW_SCHEDULES=x"},
			want: []string{"environment CAMPAIGNFLOW_SCHEDULES (schedules): schedules can only be set in the config file"}},
		{name: "flag duration", args: []string{"--approve-after", "soon"},
			want: []string{`flag --approve-after (sandbox.approve_after): "soon" is not a duration`}},
		{name: "flag number", args: []string{"--time-scale", "fast"},
			want: []string{`flag --time-scale (sandbox.time_scale): "fast" is not a number`}},
		{name: "file, env and flag at once", file: "consumer: {max_deliver: ten}\n", env: []string{"CAMPAIGNFLOW_CONSUMER__GRACE=5"},
			args: []string{"--approve-after", "2"}, want: []string{
				`consumer.max_deliver: "ten" is not an integer`,
				"environment CAMPAIGNFLOW_CONSUMER__GRACE (consumer.grace): 5 has no unit; write 5s",
				"flag --approve-after (sandbox.approve_after): 2 has no unit; write 2s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := loadProblems(t, tc.file, tc.env, tc.args...)
			if len(p) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(p), len(tc.want), strings.Join(p, "\n"))
			}
			for i, want := range tc.want {
				if !strings.Contains(p[i], want) {
					t.Errorf("problem %d is %q, want it to hold %q", i, p[i], want)
				}
			}
		})
	}
}

// TestBadValueKeepsLowerLayer: a value the environment gets wrong is
// reported and the file's value stays (not zero).
func TestBadValueKeepsLowerLayer(t *testing.T) {
	file := write(t, "consumer: {ack_wait: 45s, max_deliver: 7}\n")
	c, err := config.Load(config.LoadOptions{File: file,
		Env: []string{"CAMPAIGNFLOW_CONSUMER__ACK_WAIT=soon", "CAMPAIGNFLOW_CONSUMER__MAX_DELIVER=ten"}})
	var p config.Problems
	if !errors.As(err, &p) || len(p) != 2 {
		t.Fatalf("err = %v, want 2 problems", err)
	}
	if c.Consumer.AckWait.String() != "45s" || c.Consumer.MaxDeliver != 7 {
		t.Errorf("ack_wait %s max_deliver %d, want the file's 45s and 7", c.Consumer.AckWait, c.Consumer.MaxDeliver)
	}
}

// TestRangeProblemsNameTheirLayer: a value out of range names the variable
// or flag that set it, not only the key (the file is not where it was
// written); a key the file set is reported by key.
func TestRangeProblemsNameTheirLayer(t *testing.T) {
	p := loadProblems(t, "consumer: {max_deliver: 1}\n",
		[]string{"CAMPAIGNFLOW_CONSUMER__MAX_ACK_PENDING=-3", "CAMPAIGNFLOW_CONSUMER__MAX_DELIVER=1"},
		"--time-scale", "-2")
	want := []string{
		"environment CAMPAIGNFLOW_CONSUMER__MAX_DELIVER (consumer.max_deliver): 1 must be at least 2",
		"environment CAMPAIGNFLOW_CONSUMER__MAX_ACK_PENDING (consumer.max_ack_pending): -3 must be between 1 and 10000",
		"flag --time-scale (sandbox.time_scale): -2 must be positive",
	}
	if len(p) != len(want) {
		t.Fatalf("problems %q, want %d", p, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(p[i], w) {
			t.Errorf("problem %d = %q, want it to start %q", i, p[i], w)
		}
	}
	if p := loadProblems(t, "consumer: {max_deliver: 1}\n", nil); len(p) != 1 || !strings.HasPrefix(p[0], "consumer.max_deliver: 1 must be at least 2") {
		t.Errorf("file-set problem %q, want it named by key", p)
	}
}
