package worker_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPoisonEventsAreDeadLetteredPrecisely publishes bad events between good
// ones: every bad one (and only those) lands in the DLQ with the right class
// and a reason naming the problem; every good one takes effect.
func TestPoisonEventsAreDeadLetteredPrecisely(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 2)
	bad := []struct {
		id, typ string
		body    any
		class   string
		reason  string
	}{
		{"bad-json", "send-promo", []byte(`{"promo_id": "x", "title": `), "decode", "JSON"},
		{"not-an-object", "customer-segment-updated", []byte(`[1,2,3]`), "decode", ""},
		{"missing-title", "send-promo", without(promo("p-missing", "", nil), "title"), "validation", "title"},
		{"missing-audience", "customer-segment-updated", map[string]any{"contacts": []any{}}, "validation", "audience"},
		{"button-mix", "send-promo", with(promo("p-mix", "Mix", nil), "buttons", []map[string]string{
			{"text": "Shop", "type": "url", "url": "https://shop.example.com"}, {"text": "Tell us", "type": "input"}}), "validation", "button"},
		{"unknown-group", "send-promo", with(promo("p-unknown", "Unknown group", nil), "message", "Hi {nosuch.first_name}"), "validation", "nosuch"},
		{"bad-cron", "send-promo", promo("p-cron-bad", "Bad cron", map[string]any{"cron": "every friday"}), "validation", "cron"},
		{"unknown-type", "no-such-event", map[string]any{"x": 1}, "permanent", "no-such-event"},
	}
	var good []string
	for i, b := range bad {
		e.publish(b.typ, b.id, b.body)
		id := fmt.Sprintf("good-%d", i)
		title := "Good " + id
		e.publish("send-promo", id, promo("p-"+id, title, nil))
		good = append(good, title)
	}
	// a segment with only bad numbers is not poison: its rows are reported
	e.publish("customer-segment-updated", "bad-numbers", map[string]any{
		"audience": map[string]string{"id": "vip", "name": "vip"},
		"contacts": []map[string]any{{"number": "123"}, {"number": "+999 1234"}},
	})
	e.settled(60 * time.Second)

	dl := e.deadLetters()
	got := map[string]int{}
	for _, d := range dl {
		got[d.EventID]++
	}
	truePos := 0
	for _, b := range bad {
		var found bool
		for _, d := range dl {
			if d.EventID != b.id {
				continue
			}
			found = true
			if d.Class != b.class {
				t.Errorf("%s: class %q, want %q (error %q)", b.id, d.Class, b.class, d.Error)
			}
			if !strings.Contains(strings.ToLower(d.Error), strings.ToLower(b.reason)) {
				t.Errorf("%s: reason %q does not mention %q", b.id, d.Error, b.reason)
			}
			if d.OriginalSubject != e.cfg.Names.EventSubject(b.typ) || d.Attempts != 1 || len(d.Data) == 0 {
				t.Errorf("%s: dead letter lacks its origin: subject %q attempts %d payload %d bytes", b.id, d.OriginalSubject, d.Attempts, len(d.Data))
			}
		}
		if found {
			truePos++
		}
	}
	precision := float64(truePos) / float64(max(len(got), 1))
	recall := float64(truePos) / float64(len(bad))
	t.Logf("poison: %d bad events, %d dead letters, precision %.0f%%, recall %.0f%%", len(bad), len(dl), 100*precision, 100*recall)
	if precision != 1 || recall != 1 || len(dl) != len(bad) {
		t.Fatalf("precision %.2f recall %.2f, dead letters %v", precision, recall, got)
	}
	for _, title := range good {
		if cs := e.campaignsTitled(title); len(cs) != 1 || len(cs[0].Runs) != 1 {
			t.Errorf("good promo %q: %+v, want one campaign with one run", title, cs)
		}
	}
}

func with(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
func without(m map[string]any, k string) map[string]any     { delete(m, k); return m }
