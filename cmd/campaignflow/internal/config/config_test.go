package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsNeedNothing(t *testing.T) {
	c, err := config.Load(config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.SandboxMode() || !c.EmbeddedNATS() || c.Names.EventsStream != "CHATINC_EVENTS" || c.Consumer.Grace != 25*time.Second ||
		len(c.Results.PollOffsets) != 6 || c.Results.PollOffsets[5] != 72*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
}

// TestPrecedence: flags > env > file > defaults, key by key.
func TestPrecedence(t *testing.T) {
	file := write(t, `
nats: {url: nats://file:4222}
chatinc: {url: https://file.example, api_key: file-key, batch_size: 500}
http_addr: 127.0.0.1:1111
consumer: {ack_wait: 45s}
`)
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("nats-url", "", "")
	fs.String("http-addr", "", "")
	fs.String("chatinc-url", "", "")
	_ = fs.Parse([]string{"--nats-url", "nats://flag:4222"})
	env := []string{"CAMPAIGNFLOW_NATS_URL=nats://env:4222", "CHATINC_API_KEY=env-key", "CAMPAIGNFLOW_HTTP_ADDR=127.0.0.1:2222",
		"CAMPAIGNFLOW_CONSUMER__MAX_DELIVER=7"}
	c, err := config.Load(config.LoadOptions{File: file, Flags: fs, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"flag beats env", c.NATS.URL, "nats://flag:4222"},
		{"env beats file", c.ChatInc.APIKey, "env-key"},
		{"env beats file (nested)", c.HTTPAddr, "127.0.0.1:2222"},
		{"file beats default", c.ChatInc.URL, "https://file.example"},
		{"file duration", c.Consumer.AckWait.String(), "45s"},
		{"env nested key", fmt.Sprint(c.Consumer.MaxDeliver), "7"},
		{"default kept", fmt.Sprint(c.Consumer.MaxAckPending), "256"},
		{"unset flag does not override", fmt.Sprint(c.ChatInc.BatchSize), "500"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s: got %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v %s", c, c, c, c), "env-key") {
		t.Error("printing the config shows the API key")
	}
	c.Sinks.URL = "s3://b?endpoint=http://AKIA:sink-secret@h:9000"
	if p := fmt.Sprintf("%v %+v %#v %s", c, c, c, c); strings.Contains(p, "sink-secret") || !strings.Contains(p, "endpoint=http://xxxxx@h:9000") {
		t.Errorf("printing the config shows the sink URL's password (or not the URL): %s", p)
	}
}

// TestEveryProblemAtOnce: one file with many mistakes lists them all.
func TestEveryProblemAtOnce(t *testing.T) {
	file := write(t, `
chatinc: {url: https://api.chatinc.com, batch_size: 5000}
consumer: {ack_wait: soon, grace: 10 minutes}
sinks: {format: csv}
colour: blue
schedules:
  - {name: a, promo_id: p, cron: "not a cron", time_zone: Mars/Olympus, catch_up: maybe, extra: 1}
  - {name: a, cron: "0 9 * * FRI"}
`)
	_, err := config.Load(config.LoadOptions{File: file})
	var p config.Problems
	if !errors.As(err, &p) {
		t.Fatalf("err = %v", err)
	}
	text := err.Error()
	for _, want := range []string{
		`unknown key "colour"`, `schedules[0]: unknown key "extra"`, `consumer.ack_wait: "soon" is not a duration`,
		`consumer.grace: "10 minutes" is not a duration`, "chatinc.api_key: required", "chatinc.batch_size: 5000",
		`sinks.format: "csv"`, `schedules[0].cron: "not a cron"`, `schedules[0].time_zone: "Mars/Olympus"`,
		`schedules[0].catch_up: "maybe"`, `schedules[1].name: "a" is used twice`, "schedules[1]: set exactly one of promo_id or campaign_id",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing problem %q in:\n%s", want, text)
		}
	}
	if len(p) != 12 {
		t.Errorf("%d problems, want 12:\n%s", len(p), text)
	}
}

func TestUnknownEnvKey(t *testing.T) {
	_, err := config.Load(config.LoadOptions{Env: []string{"CAMPAIGNFLOW_NOPE__X=1"}})
	if err == nil || !strings.Contains(err.Error(), "CAMPAIGNFLOW_NOPE__X") {
		t.Fatalf("err = %v", err)
	}
}
