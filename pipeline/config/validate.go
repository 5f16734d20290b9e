package config

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/knadh/koanf/v2"
	"github.com/robfig/cron/v3"
)

var durationKeys = []string{
	"chatinc.retry_max_elapsed", "chatinc.timeout", "sandbox.approve_after", "consumer.ack_wait", "consumer.grace",
	"promo.approval_wait", "sinks.roll_age",
}

// rawProblems checks durations as written, so every bad one is reported
// (decoding would stop at the first).
func rawProblems(k *koanf.Koanf) Problems {
	var out Problems
	for _, key := range durationKeys {
		if v := k.Get(key); v != nil {
			if s, ok := v.(string); ok {
				if _, err := time.ParseDuration(s); err != nil {
					out = append(out, fmt.Sprintf("%s: %q is not a duration (use e.g. 30s, 5m, 1h)", key, s))
					k.Delete(key)
				}
			}
		}
	}
	if list, ok := k.Get("results.poll_offsets").([]any); ok {
		for i, v := range list {
			if s, ok := v.(string); ok {
				if _, err := time.ParseDuration(s); err != nil {
					out = append(out, fmt.Sprintf("results.poll_offsets[%d]: %q is not a duration", i, s))
					k.Delete("results.poll_offsets")
				}
			}
		}
	}
	return out
}

// CronParser accepts five fields, or six with seconds first, and descriptors.
var CronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Validate lists every problem of a decoded configuration.
func (c *Config) Validate() Problems {
	var p Problems
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if c.ChatInc.URL != "" && c.ChatInc.APIKey == "" {
		add("chatinc.api_key: required when chatinc.url is set (set CHATINC_API_KEY), or remove chatinc.url to use the built-in sandbox")
	}
	if c.ChatInc.BatchSize < 1 || c.ChatInc.BatchSize > 1000 {
		add("chatinc.batch_size: %d must be between 1 and 1000", c.ChatInc.BatchSize)
	}
	if c.ChatInc.RateLimit <= 0 {
		add("chatinc.rate_limit: must be positive (requests per second)")
	}
	if c.Consumer.MaxDeliver < 2 {
		add("consumer.max_deliver: %d must be at least 2", c.Consumer.MaxDeliver)
	}
	if c.Consumer.AckWait < time.Second {
		add("consumer.ack_wait: %s must be at least 1s", c.Consumer.AckWait)
	}
	if c.Consumer.Concurrency < 1 || c.Consumer.MaxAckPending < 1 {
		add("consumer.concurrency and consumer.max_ack_pending must be positive")
	}
	if c.Sinks.Format != "parquet" && c.Sinks.Format != "ndjson" {
		add("sinks.format: %q must be parquet or ndjson", c.Sinks.Format)
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		add("log.level: %v", err)
	}
	if f := c.Log.Format; f != "json" && f != "text" && f != "auto" {
		add("log.format: %q must be json, text or auto", f)
	}
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			add("http_addr: %q must be HOST:PORT", c.HTTPAddr)
		}
	}
	for i, o := range c.Results.PollOffsets {
		if o <= 0 {
			add("results.poll_offsets[%d]: %s must be positive", i, o)
		}
	}
	if c.Results.TimeScale <= 0 || c.Sandbox.TimeScale <= 0 {
		add("results.time_scale and sandbox.time_scale must be positive")
	}
	seen := map[string]bool{}
	for i, s := range c.Schedules {
		where := fmt.Sprintf("schedules[%d]", i)
		if s.Name == "" {
			add("%s.name: required", where)
		} else if seen[s.Name] {
			add("%s.name: %q is used twice", where, s.Name)
		}
		seen[s.Name] = true
		if (s.PromoID == "") == (s.CampaignID == "") {
			add("%s: set exactly one of promo_id or campaign_id", where)
		}
		if s.CampaignID != "" && len(s.Audiences) == 0 {
			add("%s.audiences: required to run campaign %q", where, s.CampaignID)
		}
		if _, err := CronParser.Parse(s.Cron); err != nil {
			add("%s.cron: %q: %v", where, s.Cron, err)
		}
		if s.TimeZone != "" {
			if _, err := time.LoadLocation(s.TimeZone); err != nil {
				add("%s.time_zone: %q is not a known time zone (e.g. Africa/Johannesburg)", where, s.TimeZone)
			}
		}
		if s.CatchUp != "" && s.CatchUp != "once" && s.CatchUp != "skip" {
			add("%s.catch_up: %q must be once or skip", where, s.CatchUp)
		}
	}
	return p
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
