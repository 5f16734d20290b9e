// Package config loads campaignflow's configuration: one YAML file, then
// the environment, then command-line flags (flags win over the environment,
// the environment over the file, the file over the defaults).
package config

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// Config is everything campaignflow can be told. deploy/config.example.yaml
// explains every key.
type Config struct {
	NATS      NATS          `koanf:"nats" yaml:"nats"`
	ChatInc   ChatInc       `koanf:"chatinc" yaml:"chatinc"`
	Sandbox   Sandbox       `koanf:"sandbox" yaml:"sandbox"`
	Names     sources.Names `koanf:"names" yaml:"names"`
	Consumer  Consumer      `koanf:"consumer" yaml:"consumer"`
	Mapping   Mapping       `koanf:"mapping" yaml:"mapping"`
	CSV       CSV           `koanf:"csv" yaml:"csv"`
	DLQ       DLQ           `koanf:"dlq" yaml:"dlq"`
	Events    Events        `koanf:"events" yaml:"events"`
	Promo     Promo         `koanf:"promo" yaml:"promo"`
	Schedules []Schedule    `koanf:"schedules" yaml:"schedules"`
	Results   Results       `koanf:"results" yaml:"results"`
	Sinks     Sinks         `koanf:"sinks" yaml:"sinks"`
	HTTPAddr  string        `koanf:"http_addr" yaml:"http_addr"`
	Log       Log           `koanf:"log" yaml:"log"`
	WorkerID  string        `koanf:"worker_id" yaml:"worker_id"`
}

// NATS is where the bus is; with no URL an embedded server runs.
type NATS struct {
	URL      string `koanf:"url" yaml:"url"`
	Creds    string `koanf:"creds" yaml:"creds"`
	DataDir  string `koanf:"data_dir" yaml:"data_dir"`
	Listen   string `koanf:"listen" yaml:"listen"`
	Replicas int    `koanf:"replicas" yaml:"replicas"`
	// PingInterval and MaxPingsOut find a dead connection (a stalled or
	// cut-off server) within about their product, instead of nats.go's
	// default of minutes; the client then reconnects to another server.
	PingInterval time.Duration `koanf:"ping_interval" yaml:"ping_interval"`
	MaxPingsOut  int           `koanf:"max_pings_out" yaml:"max_pings_out"`
}

// ChatInc is the API; with no API key the built-in sandbox runs.
type ChatInc struct {
	URL              string        `koanf:"url" yaml:"url"`
	APIKey           string        `koanf:"api_key" yaml:"api_key"`
	FlowControl      string        `koanf:"flow_control" yaml:"flow_control"`
	RateLimit        float64       `koanf:"rate_limit" yaml:"rate_limit"`
	RateBurst        int           `koanf:"rate_burst" yaml:"rate_burst"`
	RetryMaxElapsed  time.Duration `koanf:"retry_max_elapsed" yaml:"retry_max_elapsed"`
	RetryMaxAttempts int           `koanf:"retry_max_attempts" yaml:"retry_max_attempts"`
	BatchSize        int           `koanf:"batch_size" yaml:"batch_size"`
	Timeout          time.Duration `koanf:"timeout" yaml:"timeout"`
}

// Sandbox configures the embedded Chat Inc sandbox.
type Sandbox struct {
	Addr         string        `koanf:"addr" yaml:"addr"`
	ApproveAfter time.Duration `koanf:"approve_after" yaml:"approve_after"`
	TimeScale    float64       `koanf:"time_scale" yaml:"time_scale"`
	Seed         int64         `koanf:"seed" yaml:"seed"`
	Faults       string        `koanf:"faults" yaml:"faults"`
}

// Consumer tunes the events consumer.
type Consumer struct {
	AckWait       time.Duration `koanf:"ack_wait" yaml:"ack_wait"`
	MaxDeliver    int           `koanf:"max_deliver" yaml:"max_deliver"`
	MaxAckPending int           `koanf:"max_ack_pending" yaml:"max_ack_pending"`
	Concurrency   int           `koanf:"concurrency" yaml:"concurrency"`
	// MaxInFlightBytes bounds the event bodies held at once (memory).
	MaxInFlightBytes int64         `koanf:"max_in_flight_bytes" yaml:"max_in_flight_bytes"`
	Grace            time.Duration `koanf:"grace" yaml:"grace"`
}

// Mapping turns event attributes and CSV columns into contacts.
type Mapping struct {
	DefaultRegion string `koanf:"default_region" yaml:"default_region"`
}

// CSV says where CSV files may come from and how large a row may be.
type CSV struct {
	AllowedDirs   []string `koanf:"allowed_dirs" yaml:"allowed_dirs"`
	AllowedHosts  []string `koanf:"allowed_hosts" yaml:"allowed_hosts"`
	MaxFieldBytes int      `koanf:"max_field_bytes" yaml:"max_field_bytes"`
	MaxRowBytes   int      `koanf:"max_row_bytes" yaml:"max_row_bytes"`
	MaxColumns    int      `koanf:"max_columns" yaml:"max_columns"`
}

// Limits are the CSV row limits.
func (c CSV) Limits() sources.CSVLimits {
	return sources.CSVLimits{MaxFieldBytes: c.MaxFieldBytes, MaxRowBytes: c.MaxRowBytes, MaxColumns: c.MaxColumns}
}

// Events tunes the events stream.
type Events struct {
	// MaxAge is how long events are kept on the events stream (0: forever).
	// They hold phone numbers; keep it at least dlq.max_age, so a dead
	// letter stored without its body can still be replayed.
	MaxAge time.Duration `koanf:"max_age" yaml:"max_age"`
}

// DLQ tunes the dead-letter stream.
type DLQ struct {
	// MaxAge is how long dead letters are kept (0: until purged). They hold
	// the original payloads, phone numbers included.
	MaxAge time.Duration `koanf:"max_age" yaml:"max_age"`
}

// Promo tunes send-promo handling.
type Promo struct {
	ApprovalWait time.Duration `koanf:"approval_wait" yaml:"approval_wait"`
	// TickRetention is how long the ledger keeps a finished cron tick's
	// record (0: for good). A tick needs it only until the next tick is
	// due; a per-second cron adds 86,400 records a day.
	TickRetention time.Duration `koanf:"tick_retention" yaml:"tick_retention"`
	// QuietHours ("21:00-08:00") is the window no promo run starts in
	// unless the promo gives its own quiet_hours; a run due inside it
	// starts at its end. Empty (or "00:00-00:00"): none.
	QuietHours string `koanf:"quiet_hours" yaml:"quiet_hours"`
	// DefaultTimeZone (IANA) is the zone of a recipient whose number tells
	// none, and of the quiet hours of a promo that is not sent at local
	// time and has no cron time_zone.
	DefaultTimeZone string `koanf:"default_time_zone" yaml:"default_time_zone"`
}

// Results tunes result polling.
type Results struct {
	PollOffsets []time.Duration `koanf:"poll_offsets" yaml:"poll_offsets"`
	TimeScale   float64         `koanf:"time_scale" yaml:"time_scale"`
	// RepairInterval is how often the leader looks for runs without a poll
	// plan (recorded done by an older version whose plan store failed).
	RepairInterval time.Duration `koanf:"repair_interval" yaml:"repair_interval"`
	// IngestReports is which events get an ingest_report.v1 on the results
	// stream: "rejected" (the default: every file upload, and a segment
	// event only when some of its rows were rejected) or "all" (every
	// event, as before 2026-11-30).
	IngestReports string `koanf:"ingest_reports" yaml:"ingest_reports"`
}

// The values of results.ingest_reports.
const (
	IngestReportsRejected = "rejected"
	IngestReportsAll      = "all"
)

// Sinks configures the warehouse files: the file sink under Dir (each
// worker its own files), or the blob sink to URL (object storage; one
// writer at a time, the lease holder). Off when both are empty.
type Sinks struct {
	Dir      string        `koanf:"dir" yaml:"dir"`
	URL      string        `koanf:"url" yaml:"url"`
	Format   string        `koanf:"format" yaml:"format"`
	RollSize int64         `koanf:"roll_size" yaml:"roll_size"`
	RollAge  time.Duration `koanf:"roll_age" yaml:"roll_age"`
}

// Log configures logging.
type Log struct {
	Level  string `koanf:"level" yaml:"level"`
	Format string `koanf:"format" yaml:"format"`
}

// DefaultChatIncURL is used when an API key is set without a URL.
const DefaultChatIncURL = "https://api.chatinc.com"

// Defaults returns the configuration of a user who configured nothing.
func Defaults() Config {
	host, _ := os.Hostname()
	if host == "" {
		host = "worker"
	}
	return Config{
		NATS:    NATS{DataDir: "./data", Listen: "127.0.0.1:4222", Replicas: 1, PingInterval: 2 * time.Second, MaxPingsOut: 2},
		ChatInc: ChatInc{FlowControl: "adaptive", RateLimit: 0, RateBurst: 40, RetryMaxElapsed: time.Minute, RetryMaxAttempts: 6, BatchSize: 1000, Timeout: 30 * time.Second},
		Sandbox: Sandbox{Addr: "127.0.0.1:8089", ApproveAfter: 2 * time.Second, TimeScale: 1, Seed: 1},
		Names:   sources.DefaultNames(),
		Consumer: Consumer{AckWait: 30 * time.Second, MaxDeliver: 10, MaxAckPending: 256, Concurrency: 0, Grace: 25 * time.Second,
			MaxInFlightBytes: sources.DefaultMaxInFlightBytes},
		Mapping: Mapping{DefaultRegion: "ZA"},
		CSV: CSV{MaxFieldBytes: sources.DefaultCSVLimits().MaxFieldBytes, MaxRowBytes: sources.DefaultCSVLimits().MaxRowBytes,
			MaxColumns: sources.DefaultCSVLimits().MaxColumns},
		DLQ:   DLQ{MaxAge: 14 * 24 * time.Hour},
		Promo: Promo{ApprovalWait: 10 * time.Minute, TickRetention: 7 * 24 * time.Hour, DefaultTimeZone: "UTC"},
		Results: Results{PollOffsets: []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour},
			TimeScale: 1, RepairInterval: time.Minute, IngestReports: IngestReportsRejected},
		Sinks:    Sinks{Format: "parquet", RollSize: 64 << 20, RollAge: 5 * time.Minute},
		HTTPAddr: "127.0.0.1:9090",
		Log:      Log{Level: "info", Format: "auto"},
		WorkerID: host,
	}
}

// Handlers is how many events this replica handles at once:
// consumer.concurrency, or when it is 0 (the default) a quarter of
// max_ack_pending (64 at the default 256): of what the server hands out
// unacknowledged, half is fetched ahead (sources: a pull is half of
// max_ack_pending) and the other half is taken, with a handler each for
// half of those and the rest next in line. 64 is also the Chat Inc
// client's connections (chatinc.MaxConnsPerHost), so no handler waits for
// one. With a handler for every message the server hands out (256),
// bench e2e drained 0.65-0.76 of the plain pipeline's rate; with 64,
// 0.73-0.80, at about 15% less worker CPU per event. Memory stays bounded
// by it: one event each, and a file import streams in batches.
func (c Consumer) Handlers() int {
	if c.Concurrency > 0 {
		return c.Concurrency
	}
	return max(c.MaxAckPending/4, 1)
}

// SandboxMode reports whether the built-in sandbox stands in for Chat Inc.
func (c *Config) SandboxMode() bool { return c.ChatInc.APIKey == "" }

// EmbeddedNATS reports whether an embedded nats-server runs.
func (c *Config) EmbeddedNATS() bool { return c.NATS.URL == "" }

// ChatIncURL is the API base URL to use when not in sandbox mode.
func (c *Config) ChatIncURL() string {
	if c.ChatInc.URL == "" {
		return DefaultChatIncURL
	}
	return c.ChatInc.URL
}

// String prints the config without the API key.
func (c Config) String() string {
	c.ChatInc.APIKey = mask(c.ChatInc.APIKey)
	c.Sinks.URL = sinks.RedactURL(c.Sinks.URL)
	c.NATS.URL, c.ChatInc.URL = RedactURLs(c.NATS.URL), RedactURLs(c.ChatInc.URL)
	return fmt.Sprintf("%+v", struct{ Config configNoString }{configNoString(c)})
}

// LogValue logs the config without the API key or passwords in URLs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("nats_url", RedactURLs(c.NATS.URL)), slog.String("chatinc_url", RedactURLs(c.ChatInc.URL)),
		slog.String("chatinc_api_key", mask(c.ChatInc.APIKey)), slog.String("http_addr", c.HTTPAddr),
		slog.String("worker_id", c.WorkerID))
}

// configNoString is Config without its String method (no recursion).
type configNoString Config

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "[REDACTED]"
}

// GoString prints the config without the API key for %#v.
func (c Config) GoString() string { return c.String() }
