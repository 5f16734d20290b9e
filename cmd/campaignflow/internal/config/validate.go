package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/cronspec"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
	"github.com/campaignflow/campaignflow/sinks"
)

// Validate lists every problem of a decoded configuration; each names the
// key, the bad value and what to write instead.
func (c *Config) Validate() Problems {
	var p Problems
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	atLeast := func(key string, v, lowest int64) {
		if v < lowest {
			add("%s: %d must be at least %d", key, v, lowest)
		}
	}
	between := func(key string, v, lowest, highest int64, why string) {
		if v < lowest || v > highest {
			add("%s: %d must be between %d and %d (%s)", key, v, lowest, highest, why)
		}
	}
	positive := func(key string, d time.Duration, example string) {
		if d <= 0 {
			add("%s: %s must be positive (write e.g. %s)", key, d, example)
		}
	}
	hostPort := func(key, addr, example string) {
		if addr != "" {
			if msg := hostPortProblem(addr); msg != "" {
				add("%s: %q %s (write HOST:PORT, e.g. %s)", key, addr, msg, example)
			}
		}
	}

	if c.NATS.PingInterval <= 0 {
		add("nats.ping_interval: %s must be positive (default 2s)", c.NATS.PingInterval)
	}
	if c.NATS.MaxPingsOut < 1 {
		add("nats.max_pings_out: %d must be at least 1 (default 2)", c.NATS.MaxPingsOut)
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		add("nats.replicas: %d must be between 1 and 5 (JetStream keeps at most 5 copies; use 3 for a 3-node cluster)", c.NATS.Replicas)
	}
	hostPort("nats.listen", c.NATS.Listen, "127.0.0.1:4222")
	if c.ChatInc.URL != "" && c.ChatInc.APIKey == "" {
		add("chatinc.api_key: required when chatinc.url is set (set CHATINC_API_KEY), or remove chatinc.url to use the built-in sandbox")
	}
	if c.ChatInc.BatchSize < 1 || c.ChatInc.BatchSize > 1000 {
		add("chatinc.batch_size: %d must be between 1 and 1000 (Chat Inc's limit per request)", c.ChatInc.BatchSize)
	}
	switch c.ChatInc.FlowControl {
	case "adaptive", "fixed":
	default:
		add("chatinc.flow_control: %q must be adaptive (find the rate Chat Inc accepts) or fixed (a token bucket of chatinc.rate_limit)", c.ChatInc.FlowControl)
	}
	if c.ChatInc.RateLimit < 0 {
		add("chatinc.rate_limit: %v must be 0 (no ceiling) or more requests per second, e.g. 200", c.ChatInc.RateLimit)
	}
	if c.ChatInc.FlowControl == "fixed" && c.ChatInc.RateLimit <= 0 {
		add("chatinc.rate_limit: required with chatinc.flow_control: fixed (requests per second, e.g. 200)")
	}
	atLeast("chatinc.rate_burst", int64(c.ChatInc.RateBurst), 1)
	positive("chatinc.retry_max_elapsed", c.ChatInc.RetryMaxElapsed, "1m")
	between("chatinc.retry_max_attempts", int64(c.ChatInc.RetryMaxAttempts), 1, maxRetryAttempts,
		"it counts tries, the first one included: 1 is a single try with no retry; default 6")
	positive("chatinc.timeout", c.ChatInc.Timeout, "30s")
	hostPort("sandbox.addr", c.Sandbox.Addr, "127.0.0.1:8089")
	if c.Sandbox.ApproveAfter < 0 {
		add("sandbox.approve_after: %s must be 0s (approve at once) or more (default 2s)", c.Sandbox.ApproveAfter)
	}
	if c.Sandbox.Faults != "" {
		if _, err := sandbox.ParseFaults(c.Sandbox.Faults); err != nil {
			add("sandbox.faults: %q: %s", c.Sandbox.Faults, strings.TrimPrefix(err.Error(), "sandbox: "))
		}
	}
	atLeast("consumer.max_deliver", int64(c.Consumer.MaxDeliver), 2)
	if c.Consumer.AckWait < time.Second {
		add("consumer.ack_wait: %s must be at least 1s", c.Consumer.AckWait)
	}
	between("consumer.max_ack_pending", int64(c.Consumer.MaxAckPending), 1, maxAckPending,
		"unacknowledged events: half fetched ahead, a quarter handled at once when concurrency is 0; default 256")
	between("consumer.concurrency", int64(c.Consumer.Concurrency), 0, maxConcurrency,
		"events handled at once by this replica; 0, the default, means a quarter of max_ack_pending")
	atLeast("consumer.max_in_flight_bytes", c.Consumer.MaxInFlightBytes, 1<<20)
	positive("consumer.grace", c.Consumer.Grace, "25s")
	if c.Consumer.Grace > maxGrace {
		add("consumer.grace: %s must be at most %s (the wait for in-flight events on SIGTERM; default 25s)", c.Consumer.Grace, maxGrace)
	}
	if r := c.Mapping.DefaultRegion; r != "" && phonenumbers.GetCountryCodeForRegion(r) == 0 {
		hint := "an ISO 3166 region phone numbers are read in, e.g. ZA, US, GB"
		if up := strings.ToUpper(r); phonenumbers.GetCountryCodeForRegion(up) != 0 {
			hint = "write " + up
		}
		add("mapping.default_region: %q is not a region with phone numbers (%s)", r, hint)
	}
	positive("promo.approval_wait", c.Promo.ApprovalWait, "10m")
	if r := c.Promo.TickRetention; r != 0 && r < 24*time.Hour {
		add("promo.tick_retention: %s must be at least 24h (the scheduler's tick claims live that long), or 0 to keep tick records for good", r)
	}
	if _, err := quiethours.Parse(c.Promo.QuietHours); err != nil {
		add("promo.quiet_hours: %s", strings.TrimPrefix(err.Error(), quiethours.ErrInvalid.Error()+": "))
	}
	if z := c.Promo.DefaultTimeZone; z == "" {
		add("promo.default_time_zone: is required: an IANA time zone like Africa/Johannesburg (default UTC)")
	} else if _, err := cronspec.Zone(z); errors.Is(err, cronspec.ErrLocalZone) {
		add("promo.default_time_zone: %v", err)
	} else if err != nil {
		add("promo.default_time_zone: %q is not an IANA time zone like Africa/Johannesburg", z)
	}
	atLeast("csv.max_field_bytes", int64(c.CSV.MaxFieldBytes), 16)
	between("csv.max_row_bytes", int64(c.CSV.MaxRowBytes), 64, maxCSVRowBytes, "the longest row read, in bytes; default 65536")
	between("csv.max_columns", int64(c.CSV.MaxColumns), 1, maxCSVColumns, "columns in the header and in any row; default 512")
	for i, h := range c.CSV.AllowedHosts {
		if msg := allowedHostProblem(h); msg != "" {
			add("csv.allowed_hosts[%d]: %q %s (write a host name such as files.example.com, or HOST:PORT; the scheme is always https)", i, h, msg)
		}
	}
	if c.CSV.MaxFieldBytes > c.CSV.MaxRowBytes && c.CSV.MaxRowBytes >= 64 {
		add("csv.max_field_bytes: %d is more than csv.max_row_bytes (%d)", c.CSV.MaxFieldBytes, c.CSV.MaxRowBytes)
	}
	if c.Events.MaxAge != 0 && c.Events.MaxAge < time.Hour {
		add("events.max_age: %s must be at least 1h, or 0 to keep events until removed", c.Events.MaxAge)
	}
	if c.DLQ.MaxAge != 0 && c.DLQ.MaxAge < time.Hour {
		add("dlq.max_age: %s must be at least 1h, or 0 to keep dead letters until purged", c.DLQ.MaxAge)
	}
	if c.Sinks.Format != "parquet" && c.Sinks.Format != "ndjson" {
		add("sinks.format: %q must be parquet or ndjson", c.Sinks.Format)
	}
	if c.Sinks.URL != "" {
		if c.Sinks.Dir != "" {
			add("sinks.url and sinks.dir are both set; use one (--sink-dir DIR writes each worker's files under DIR, --sink-url URL writes objects, one writer at a time)")
		}
		if err := sinks.CheckSinkURL(c.Sinks.URL); err != nil {
			add("sinks.url: %s", strings.TrimPrefix(err.Error(), "sinks: "))
		}
	}
	atLeast("sinks.roll_size", c.Sinks.RollSize, 1)
	positive("sinks.roll_age", c.Sinks.RollAge, "5m")
	if _, err := ParseLevel(c.Log.Level); err != nil {
		add("log.level: %v", err)
	}
	if f := c.Log.Format; f != "json" && f != "text" && f != "auto" {
		add("log.format: %q must be json, text or auto", f)
	}
	hostPort("http_addr", c.HTTPAddr, "127.0.0.1:9090, or empty for no HTTP server")
	p = append(p, pollOffsetProblems(c.Results.PollOffsets)...)
	if c.Results.RepairInterval < minRepairInterval {
		add("results.repair_interval: %s must be at least %s (default 1m)", c.Results.RepairInterval, minRepairInterval)
	}
	if r := c.Results.IngestReports; r != IngestReportsRejected && r != IngestReportsAll {
		add("results.ingest_reports: %q must be rejected (the default: file uploads, and segment events with rejected rows) or all (every event)", r)
	}
	if c.Results.TimeScale <= 0 {
		add("results.time_scale: %v must be positive (1 is real time)", c.Results.TimeScale)
	}
	if c.Sandbox.TimeScale <= 0 {
		add("sandbox.time_scale: %v must be positive (1 is real time)", c.Sandbox.TimeScale)
	}
	seen := map[string]bool{}
	for i, s := range c.Schedules {
		where := fmt.Sprintf("schedules[%d]", i)
		if s.Name != "" && seen[s.Name] {
			add("%s.name: %q is used twice", where, s.Name)
		}
		seen[s.Name] = true
		for _, pr := range s.Problems(time.Now()) {
			if pr.Field == "" {
				add("%s: %s", where, pr.Reason)
			} else {
				add("%s.%s: %s", where, pr.Field, pr.Reason)
			}
		}
	}
	return p
}

// Bounds of values that would crash or overload a worker.
const (
	maxAckPending     = 10000 // consumer.max_ack_pending: handlers and queues are sized by it
	maxConcurrency    = 4096  // consumer.concurrency
	maxGrace          = time.Hour
	maxRetryAttempts  = 100
	maxCSVColumns     = 16384
	maxCSVRowBytes    = 64 << 20
	minRepairInterval = time.Second
	maxPollOffset     = 30 * 24 * time.Hour
)

// hostNameRE is a DNS host name or an IPv4 address.
var hostNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)

// allowedHostProblem says what is wrong with a csv.allowed_hosts entry
// (a host name, or HOST:PORT, matched against a URL's host), or "".
func allowedHostProblem(h string) string {
	switch {
	case strings.Contains(h, "://"):
		return "is a URL, not a host name"
	case strings.ContainsAny(h, "*?"):
		return "has a wildcard; list each host by name"
	case strings.ContainsAny(h, "/@ \t"):
		return "is not a host name"
	}
	host := h
	if hh, port, err := net.SplitHostPort(h); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("has port %q, not a number from 1 to 65535", port)
		}
		host = hh
	}
	if net.ParseIP(host) != nil || hostNameRE.MatchString(host) {
		return ""
	}
	return "is not a host name"
}

// ParseLevel reads debug, info, warn or error.
func ParseLevel(s string) (level interface{ String() string }, err error) {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "warning", "error":
		return stringer(strings.ToLower(s)), nil
	}
	return nil, fmt.Errorf("%q must be debug, info, warn or error", s)
}

type stringer string

func (s stringer) String() string { return string(s) }

// hostPortProblem says what is wrong with a HOST:PORT address, or "".
func hostPortProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "is not HOST:PORT"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("has port %q, not a number from 0 to 65535", port)
	}
	return ""
}

// pollOffsetProblems checks the result polling delays: at least one, each
// positive, each later than the one before.
func pollOffsetProblems(offsets []time.Duration) Problems {
	if len(offsets) == 0 {
		return Problems{"results.poll_offsets: empty; list at least one delay after a campaign runs, e.g. [1m, 10m, 1h]"}
	}
	var p Problems
	for i, o := range offsets {
		switch {
		case o <= 0:
			p = append(p, fmt.Sprintf("results.poll_offsets[%d]: %s must be positive (a delay after the campaign runs, e.g. 1m)", i, o))
		case o > maxPollOffset:
			p = append(p, fmt.Sprintf("results.poll_offsets[%d]: %s must be at most %s (30 days after the campaign runs; default [1m, 10m, 1h, 6h, 24h, 72h])", i, o, maxPollOffset))
		case i > 0 && o <= offsets[i-1]:
			p = append(p, fmt.Sprintf("results.poll_offsets[%d]: %s is not after %s (results.poll_offsets[%d]); list the delays in increasing order",
				i, o, offsets[i-1], i-1))
		}
	}
	return p
}
