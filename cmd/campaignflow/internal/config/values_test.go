package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

// TestGoodValues: values written in any accepted form decode to what they
// say, from the file, the environment and flags.
func TestGoodValues(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  []string
		args []string
		got  func(*config.Config) any
		want string
	}{
		{name: "days", file: "promo: {approval_wait: 1d12h}\n",
			got: func(c *config.Config) any { return c.Promo.ApprovalWait }, want: "36h0m0s"},
		{name: "quoted integer", file: "chatinc: {batch_size: \"500\"}\n",
			got: func(c *config.Config) any { return c.ChatInc.BatchSize }, want: "500"},
		{name: "integer for a number", file: "chatinc: {rate_limit: 5}\n",
			got: func(c *config.Config) any { return c.ChatInc.RateLimit }, want: "5"},
		{name: "whole float for an integer", file: "consumer: {max_deliver: 4.0}\n",
			got: func(c *config.Config) any { return c.Consumer.MaxDeliver }, want: "4"},
		{name: "number for a text", file: "sandbox: {faults: \"\"}\nworker_id: 42\n",
			got: func(c *config.Config) any { return c.WorkerID }, want: "42"},
		{name: "zero duration is a duration", file: "sandbox: {approve_after: 0}\n",
			got: func(c *config.Config) any { return c.Sandbox.ApproveAfter }, want: "0s"},
		{name: "key without a value keeps the default", file: "consumer: {grace: }\nnats:\n",
			got: func(c *config.Config) any { return fmt.Sprint(c.Consumer.Grace, " ", c.NATS.Listen) }, want: "25s 127.0.0.1:4222"},
		{name: "env poll offsets", env: []string{"CAMPAIGNFLOW_RESULTS__POLL_OFFSETS=1m, 10m,1h"},
			got: func(c *config.Config) any { return c.Results.PollOffsets }, want: "[1m0s 10m0s 1h0m0s]"},
		{name: "env list", env: []string{"CAMPAIGNFLOW_CSV__ALLOWED_DIRS=/a, /b"},
			got: func(c *config.Config) any { return c.CSV.AllowedDirs }, want: "[/a /b]"},
		{name: "file list as one text", file: "csv: {allowed_hosts: files.example}\n",
			got: func(c *config.Config) any { return c.CSV.AllowedHosts }, want: "[files.example]"},
		{name: "env replicas", env: []string{"CAMPAIGNFLOW_NATS__REPLICAS=3"},
			got: func(c *config.Config) any { return c.NATS.Replicas }, want: "3"},
		{name: "flag duration", args: []string{"--approve-after", "1m0s"},
			got: func(c *config.Config) any { return c.Sandbox.ApproveAfter }, want: "1m0s"},
		{name: "flag number", args: []string{"--time-scale", "60"},
			got: func(c *config.Config) any { return c.Sandbox.TimeScale }, want: "60"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.file, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(tc.got(c)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestEmptyWorkerIDMeansHostName: an empty worker_id, wherever it is
// written, falls back to the default (the host name), as if unset.
func TestEmptyWorkerIDMeansHostName(t *testing.T) {
	host := config.Defaults().WorkerID
	if host == "" {
		t.Fatal("Defaults has no worker id")
	}
	tests := []struct {
		name string
		file string
		env  []string
		args []string
		want string
	}{
		{name: "file empty text", file: "worker_id: \"\"\n", want: host},
		{name: "file without value", file: "worker_id:\n", want: host},
		{name: "file blanks", file: "worker_id: \"  \"\n", want: host},
		{name: "env empty", env: []string{"CAMPAIGNFLOW_WORKER_ID="}, want: host},
		{name: "flag empty", args: []string{"--worker-id", ""}, want: host},
		{name: "env empty over file", file: "worker_id: w-file\n", env: []string{"CAMPAIGNFLOW_WORKER_ID="}, want: host},
		{name: "set", file: "worker_id: w-7\n", want: "w-7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.file, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.WorkerID != tc.want {
				t.Errorf("worker id %q, want %q", c.WorkerID, tc.want)
			}
		})
	}
}

// TestValidateRanges: each value out of range is one problem naming the
// key, the value and the fix; the edges of each range are accepted.
func TestValidateRanges(t *testing.T) {
	tests := []struct {
		name string
		set  func(*config.Config)
		want string // "" means valid
	}{
		{"replicas 0", func(c *config.Config) { c.NATS.Replicas = 0 }, "nats.replicas: 0 must be between 1 and 5"},
		{"replicas 6", func(c *config.Config) { c.NATS.Replicas = 6 }, "nats.replicas: 6 must be between 1 and 5 (JetStream"},
		{"replicas 5", func(c *config.Config) { c.NATS.Replicas = 5 }, ""},
		{"listen without port", func(c *config.Config) { c.NATS.Listen = "4222" }, `nats.listen: "4222" is not HOST:PORT (write HOST:PORT, e.g. 127.0.0.1:4222)`},
		{"listen empty", func(c *config.Config) { c.NATS.Listen = "" }, ""},
		{"listen random port", func(c *config.Config) { c.NATS.Listen = "127.0.0.1:0" }, ""},
		{"sandbox port name", func(c *config.Config) { c.Sandbox.Addr = "localhost:http" }, `sandbox.addr: "localhost:http" has port "http", not a number`},
		{"sandbox port too big", func(c *config.Config) { c.Sandbox.Addr = ":70000" }, `sandbox.addr: ":70000" has port "70000"`},
		{"http addr", func(c *config.Config) { c.HTTPAddr = "localhost" }, `http_addr: "localhost" is not HOST:PORT`},
		{"unknown region", func(c *config.Config) { c.Mapping.DefaultRegion = "XX" }, `mapping.default_region: "XX" is not a region with phone numbers (an ISO 3166`},
		{"lower-case region", func(c *config.Config) { c.Mapping.DefaultRegion = "za" }, `mapping.default_region: "za" is not a region with phone numbers (write ZA)`},
		{"region US", func(c *config.Config) { c.Mapping.DefaultRegion = "US" }, ""},
		{"no region", func(c *config.Config) { c.Mapping.DefaultRegion = "" }, ""},
		{"grace 0", func(c *config.Config) { c.Consumer.Grace = 0 }, "consumer.grace: 0s must be positive (write e.g. 25s)"},
		{"concurrency below 0", func(c *config.Config) { c.Consumer.Concurrency = -1 }, "consumer.concurrency: -1 must be between 0 and 4096"},
		{"max ack pending 0", func(c *config.Config) { c.Consumer.MaxAckPending = 0 }, "consumer.max_ack_pending: 0 must be between 1 and 10000"},
		{"roll size 0", func(c *config.Config) { c.Sinks.RollSize = 0 }, "sinks.roll_size: 0 must be at least 1"},
		{"roll age negative", func(c *config.Config) { c.Sinks.RollAge = -time.Second }, "sinks.roll_age: -1s must be positive"},
		{"sink url s3", func(c *config.Config) { c.Sinks.URL = "s3://warehouse?region=eu-west-1&prefix=cf/" }, ""},
		{"sink url file", func(c *config.Config) { c.Sinks.URL = "file:///var/lib/warehouse" }, ""},
		{"sink url unknown scheme", func(c *config.Config) { c.Sinks.URL = "ftp://warehouse" },
			`sinks.url: bad sink URL ftp://warehouse: unknown scheme "ftp"; use one of azblob, file, gs, s3`},
		{"sink url no bucket", func(c *config.Config) { c.Sinks.URL = "gs://" }, "sinks.url: bad sink URL gs://: no bucket; write gs://BUCKET"},
		{"sink url with a password", func(c *config.Config) { c.Sinks.URL = "s3://id:hunter2@warehouse" },
			"sinks.url: bad sink URL s3://xxxxx@warehouse: credentials do not go in the URL"},
		{"sink url with a password in the endpoint", func(c *config.Config) { c.Sinks.URL = "s3://b?endpoint=http://u:hunter2@h:9000" },
			"sinks.url: bad sink URL s3://b?endpoint=http://xxxxx@h:9000: credentials do not go in the URL (the endpoint parameter holds a user and password)"},
		{"sink url and dir", func(c *config.Config) { c.Sinks.URL, c.Sinks.Dir = "s3://warehouse", "/warehouse" }, "sinks.url and sinks.dir are both set; use one"},
		{"rate burst 0", func(c *config.Config) { c.ChatInc.RateBurst = 0 }, "chatinc.rate_burst: 0 must be at least 1"},
		{"rate limit below 0", func(c *config.Config) { c.ChatInc.RateLimit = -1 }, "chatinc.rate_limit: -1 must be 0 (no ceiling) or more"},
		{"fixed without a rate", func(c *config.Config) { c.ChatInc.FlowControl = "fixed" }, "chatinc.rate_limit: required with chatinc.flow_control: fixed"},
		{"unknown flow control", func(c *config.Config) { c.ChatInc.FlowControl = "tcp" }, `chatinc.flow_control: "tcp" must be adaptive`},
		{"retry max elapsed 0", func(c *config.Config) { c.ChatInc.RetryMaxElapsed = 0 }, "chatinc.retry_max_elapsed: 0s must be positive"},
		{"timeout 0", func(c *config.Config) { c.ChatInc.Timeout = 0 }, "chatinc.timeout: 0s must be positive"},
		{"retry attempts -1", func(c *config.Config) { c.ChatInc.RetryMaxAttempts = -1 }, "chatinc.retry_max_attempts: -1 must be between 1 and 100"},
		{"retry attempts 0", func(c *config.Config) { c.ChatInc.RetryMaxAttempts = 0 },
			"chatinc.retry_max_attempts: 0 must be between 1 and 100 (it counts tries, the first one included: 1 is a single try with no retry; default 6)"},
		{"retry attempts 1", func(c *config.Config) { c.ChatInc.RetryMaxAttempts = 1 }, ""},
		{"max ack pending huge", func(c *config.Config) { c.Consumer.MaxAckPending = 999999999999 },
			"consumer.max_ack_pending: 999999999999 must be between 1 and 10000 (unacknowledged events: half fetched ahead, a quarter handled at once when concurrency is 0; default 256)"},
		{"max ack pending 100000", func(c *config.Config) { c.Consumer.MaxAckPending = 100000 }, "consumer.max_ack_pending: 100000 must be between 1 and 10000"},
		{"max ack pending 10000", func(c *config.Config) { c.Consumer.MaxAckPending = 10000 }, ""},
		{"concurrency huge", func(c *config.Config) { c.Consumer.Concurrency = 1000000 },
			"consumer.concurrency: 1000000 must be between 0 and 4096 (events handled at once by this replica; 0, the default, means a quarter of max_ack_pending)"},
		{"concurrency 4096", func(c *config.Config) { c.Consumer.Concurrency = 4096 }, ""},
		{"grace too long", func(c *config.Config) { c.Consumer.Grace = 2 * time.Hour }, "consumer.grace: 2h0m0s must be at most 1h0m0s"},
		{"repair interval 1ns", func(c *config.Config) { c.Results.RepairInterval = time.Nanosecond }, "results.repair_interval: 1ns must be at least 1s (default 1m)"},
		{"repair interval 1s", func(c *config.Config) { c.Results.RepairInterval = time.Second }, ""},
		{"ingest reports unknown", func(c *config.Config) { c.Results.IngestReports = "some" },
			`results.ingest_reports: "some" must be rejected (the default: file uploads, and segment events with rejected rows) or all (every event)`},
		{"ingest reports all", func(c *config.Config) { c.Results.IngestReports = config.IngestReportsAll }, ""},
		{"max columns huge", func(c *config.Config) { c.CSV.MaxColumns = 99999999999 }, "csv.max_columns: 99999999999 must be between 1 and 16384 (columns in the header and in any row; default 512)"},
		{"max row bytes huge", func(c *config.Config) { c.CSV.MaxRowBytes = 1 << 40 }, "csv.max_row_bytes: 1099511627776 must be between 64 and 67108864"},
		{"approve after negative", func(c *config.Config) { c.Sandbox.ApproveAfter = -5 * time.Second }, "sandbox.approve_after: -5s must be 0s (approve at once) or more (default 2s)"},
		{"approve after 0", func(c *config.Config) { c.Sandbox.ApproveAfter = 0 }, ""},
		{"poll offset too late", func(c *config.Config) { c.Results.PollOffsets = []time.Duration{99999 * time.Hour} }, "results.poll_offsets[0]: 99999h0m0s must be at most 720h0m0s (30 days"},
		{"poll offset 30 days", func(c *config.Config) { c.Results.PollOffsets = []time.Duration{30 * 24 * time.Hour} }, ""},
		{"allowed host URL", func(c *config.Config) { c.CSV.AllowedHosts = []string{"http://evil"} }, `csv.allowed_hosts[0]: "http://evil" is a URL, not a host name (write a host name`},
		{"allowed host wildcard", func(c *config.Config) { c.CSV.AllowedHosts = []string{"files.example.com", "*"} }, `csv.allowed_hosts[1]: "*" has a wildcard`},
		{"allowed host path", func(c *config.Config) { c.CSV.AllowedHosts = []string{"example.com/files"} }, `csv.allowed_hosts[0]: "example.com/files" is not a host name`},
		{"allowed host bad port", func(c *config.Config) { c.CSV.AllowedHosts = []string{"example.com:x"} }, `has port "x"`},
		{"allowed hosts good", func(c *config.Config) {
			c.CSV.AllowedHosts = []string{"files.example.com", "files.example.com:8443", "10.0.0.1", "[::1]:443"}
		}, ""},
		{"faults", func(c *config.Config) { c.Sandbox.Faults = "bogus" }, `sandbox.faults: "bogus": fault 1 "bogus": want ENDPOINT=KIND`},
		{"faults unknown kind", func(c *config.Config) { c.Sandbox.Faults = "*=418" }, `unknown kind "418"`},
		{"faults good", func(c *config.Config) { c.Sandbox.Faults = "*=429@0.2:1,/v1/run/campaign=drop@1x1" }, ""},
		{"approval wait 0", func(c *config.Config) { c.Promo.ApprovalWait = 0 }, "promo.approval_wait: 0s must be positive (write e.g. 10m)"},
		{"quiet hours", func(c *config.Config) { c.Promo.QuietHours = "21:00-08:00" }, ""},
		{"quiet hours none", func(c *config.Config) { c.Promo.QuietHours = "00:00-00:00" }, ""},
		{"quiet hours not a window", func(c *config.Config) { c.Promo.QuietHours = "21-8" }, `promo.quiet_hours: "21-8": start "21" is not HH:MM`},
		{"quiet hours past midnight", func(c *config.Config) { c.Promo.QuietHours = "21:00-24:00" }, `promo.quiet_hours: "21:00-24:00": end "24:00" is not a time of day (00:00 to 23:59)`},
		{"quiet hours of no length", func(c *config.Config) { c.Promo.QuietHours = "07:00-07:00" }, `promo.quiet_hours: "07:00-07:00" starts and ends at the same time`},
		{"default time zone", func(c *config.Config) { c.Promo.DefaultTimeZone = "Africa/Johannesburg" }, ""},
		{"default time zone unknown", func(c *config.Config) { c.Promo.DefaultTimeZone = "Mars/Olympus" }, `promo.default_time_zone: "Mars/Olympus" is not an IANA time zone`},
		{"default time zone of the machine", func(c *config.Config) { c.Promo.DefaultTimeZone = "Local" }, `promo.default_time_zone: "Local" is this machine's zone`},
		{"schedule in the machine's zone", func(c *config.Config) {
			c.Schedules = []config.Schedule{{Name: "s", PromoID: "p", Cron: "0 9 * * *", TimeZone: "Local"}}
		}, `schedules[0].time_zone: "Local" is this machine's zone`},
		{"default time zone empty", func(c *config.Config) { c.Promo.DefaultTimeZone = "" }, `promo.default_time_zone: is required`},
		{"no poll offsets", func(c *config.Config) { c.Results.PollOffsets = nil }, "results.poll_offsets: empty; list at least one delay"},
		{"poll offsets repeat", func(c *config.Config) { c.Results.PollOffsets = []time.Duration{time.Minute, time.Minute} },
			"results.poll_offsets[1]: 1m0s is not after 1m0s (results.poll_offsets[0]); list the delays in increasing order"},
		{"poll offsets decrease", func(c *config.Config) { c.Results.PollOffsets = []time.Duration{time.Hour, time.Minute} },
			"results.poll_offsets[1]: 1m0s is not after 1h0m0s"},
		{"poll offset 0", func(c *config.Config) { c.Results.PollOffsets = []time.Duration{0, time.Minute} },
			"results.poll_offsets[0]: 0s must be positive"},
		{"one poll offset", func(c *config.Config) { c.Results.PollOffsets = []time.Duration{time.Second} }, ""},
		{"results time scale", func(c *config.Config) { c.Results.TimeScale = 0 }, "results.time_scale: 0 must be positive"},
		{"sandbox time scale", func(c *config.Config) { c.Sandbox.TimeScale = -1 }, "sandbox.time_scale: -1 must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			tc.set(&c)
			p := c.Validate()
			switch {
			case tc.want == "" && len(p) != 0:
				t.Errorf("want no problem, got:\n%s", strings.Join(p, "\n"))
			case tc.want != "" && (len(p) != 1 || !strings.Contains(p[0], tc.want)):
				t.Errorf("want one problem holding %q, got:\n%s", tc.want, strings.Join(p, "\n"))
			}
		})
	}
}

// TestValidateRangesFromFile: range problems are found in a loaded file
// together with type problems.
func TestValidateRangesFromFile(t *testing.T) {
	p := loadProblems(t, `
nats: {replicas: 7, listen: nowhere}
mapping: {default_region: Atlantis}
consumer: {grace: 0s, max_deliver: ten}
results: {poll_offsets: [1h, 1m]}
`, nil)
	want := []string{`consumer.max_deliver: "ten" is not an integer`, "nats.replicas: 7", `nats.listen: "nowhere"`,
		"consumer.grace: 0s", `mapping.default_region: "Atlantis"`, "results.poll_offsets[1]: 1m0s is not after 1h0m0s"}
	if len(p) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(p), len(want), strings.Join(p, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(p[i], w) {
			t.Errorf("problem %d is %q, want it to hold %q", i, p[i], w)
		}
	}
}
