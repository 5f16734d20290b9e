package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// contractPromo is the contract's send-promo example.
const contractPromo = `{
  "event_id": "promo-bf-2026",
  "promo_id": "bf-2026",
  "title": "Black Friday 2026",
  "message": "Hi {customers.first_name}, 30% off for {customers.tier} members today.",
  "image_url": "https://cdn.example.com/bf.jpg",
  "buttons": [{"text": "Shop now", "type": "url", "url": "https://shop.example.com/bf"}],
  "audiences": ["vip-shoppers"],
  "language_code": "enUS",
  "schedule": {"at": "2026-11-27T09:00:00+02:00"}
}`

func TestPublishStoresTheEventWithItsID(t *testing.T) {
	env := newOpsEnv(t)
	file := filepath.Join(t.TempDir(), "promo.json")
	if err := os.WriteFile(file, []byte(contractPromo), 0o600); err != nil {
		t.Fatal(err)
	}

	r := execOps(t, "", "publish", "send-promo", "--file", file, "--check=false", "--nats-url", env.url)
	if r.code() != 0 {
		t.Fatalf("publish: exit %d, err %v, stderr %s", r.code(), r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "seq 1") || !strings.Contains(r.stdout, `"promo-bf-2026"`) {
		t.Errorf("publish printed %q; want the stream sequence and the Nats-Msg-Id", r.stdout)
	}
	msg, err := env.topo.Events.GetMsg(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "chatinc.events.send-promo" {
		t.Errorf("subject %q, want chatinc.events.send-promo", msg.Subject)
	}
	if got := msg.Header.Get("Nats-Msg-Id"); got != "promo-bf-2026" {
		t.Errorf("Nats-Msg-Id %q, want the body's event_id promo-bf-2026", got)
	}

	// The same event again is a duplicate within the window: said, not stored.
	r = execOps(t, "", "publish", "send-promo", "--file", file, "--check=false", "--nats-url", env.url)
	if r.code() != 0 || !strings.HasPrefix(r.stdout, "duplicate:") {
		t.Errorf("second publish: exit %d, stdout %q; want a duplicate notice", r.code(), r.stdout)
	}
	// --id wins over the body's event_id; stdin works with --file -.
	r = execOps(t, contractPromo, "publish", "send-promo", "--file", "-", "--id", "promo-bf-2026-retry", "--check=false", "--nats-url", env.url)
	if r.code() != 0 {
		t.Fatalf("publish --id: exit %d, err %v", r.code(), r.err)
	}
	if n := env.streamMsgs(t, env.topo.Events); n != 2 {
		t.Errorf("events stream holds %d messages, want 2", n)
	}
}

func TestPublishRefusesAnInvalidEventAndPublishesNothing(t *testing.T) {
	env := newOpsEnv(t)
	cases := []struct {
		name, typ, body string
		want            []string
	}{
		{"missing fields", "send-promo", `{"event_id":"p1","title":"x"}`, []string{"promo_id", "message", "audiences"}},
		{"forbidden button mix", "send-promo",
			`{"event_id":"p2","promo_id":"p2","title":"t","message":"m","audiences":["all"],
			  "buttons":[{"text":"a","type":"url","url":"https://x.example"},{"text":"b","type":"input"}]}`,
			[]string{"buttons"}},
		{"not JSON", "customer-segment-updated", `{"event_id":`, []string{"not a JSON object"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := execOps(t, "", "publish", tc.typ, "--data", tc.body, "--nats-url", env.url)
			if r.code() != 1 {
				t.Fatalf("exit %d, want 1 (stderr %q)", r.code(), r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not name %q", r.stderr, w)
				}
			}
		})
	}
	// The --id becomes the Nats-Msg-Id, which wins over the body's event_id.
	for _, id := range []string{"has space", "bad\xffid"} {
		r := execOps(t, "", "publish", "customer-segment-updated", "--id", id, "--nats-url", env.url,
			"--data", `{"audience":{"id":"vip"},"contacts":[{"number":"+27820000001"}]}`)
		if r.code() != 1 || !strings.Contains(r.stderr, "--id: ids: invalid id") {
			t.Errorf("publish --id %q: exit %d, stderr %q; want exit 1 naming --id", id, r.code(), r.stderr)
		}
	}
	if r := execOps(t, "", "publish", "send-coupon", "--data", "{}", "--nats-url", env.url); r.err == nil ||
		!strings.Contains(r.err.Error(), "send-promo") {
		t.Errorf("unknown type: err %v; want it to list the known types", r.err)
	}
	if n := env.streamMsgs(t, env.topo.Events); n != 0 {
		t.Errorf("events stream holds %d messages after invalid publishes, want 0", n)
	}
}

func TestPublishWithoutNATSSaysHowToFixIt(t *testing.T) {
	r := execOps(t, "", "publish", "schedule-cancelled", "--data", `{"event_id":"c1","promo_id":"bf"}`,
		"--nats-url", "nats://127.0.0.1:1")
	if r.err == nil || !strings.Contains(r.err.Error(), "campaignflow run") || !strings.Contains(r.err.Error(), "--nats-url") {
		t.Errorf("err %v; want it to point at `campaignflow run` and --nats-url", r.err)
	}
}
