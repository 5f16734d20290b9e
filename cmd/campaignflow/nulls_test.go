package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/events"
)

// TestNullFieldsSameVerdictEverywhere: every field of send-promo given as
// null (the schema types each one and allows null for none) is refused by
// the worker's decode (events.Decode, what the handler gets) and by the
// checks of validate event, publish and promo preview (eventPointerProblems),
// both at the field's pointer; the promo without the null is valid to both.
func TestNullFieldsSameVerdictEverywhere(t *testing.T) {
	at := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		pointer string
		base    string // the valid promo the field is set to null in
	}{
		{"/event_id", ""}, {"/image_url", ""}, {"/buttons", ""}, {"/language_code", ""},
		{"/frequency_cap", ""}, {"/quiet_hours", ""}, {"/schedule", ""},
		{"/promo_id", ""}, {"/title", ""}, {"/message", ""}, {"/audiences", ""},
		{"/frequency_cap/max", ""}, {"/frequency_cap/per", ""},
		{"/schedule/at", "at"}, {"/schedule/cron", "cron"}, {"/schedule/time_zone", "cron"}, {"/schedule/until", "cron"},
		{"/schedule/catch_up", "cron"}, {"/schedule/local_time", "local"}, {"/schedule/date", "local"},
		{"/buttons/0/url", ""}, {"/buttons/0/text", ""}, {"/buttons/0/type", ""},
		{"/buttons/1/phone_number", ""}, {"/buttons/1/phoneNumber", "camel"},
	}
	for _, tc := range tests {
		t.Run(tc.pointer, func(t *testing.T) {
			doc := map[string]any{"event_id": "e-1", "promo_id": "p-1", "title": "T", "message": "Hi", "audiences": []any{"vip"},
				"image_url": "https://cdn.example.com/a.jpg", "language_code": "enUS", "quiet_hours": "21:00-08:00",
				"frequency_cap": map[string]any{"max": 3, "per": "2d"},
				"buttons": []any{map[string]any{"text": "Shop", "type": "url", "url": "https://shop.example.com"},
					map[string]any{"text": "Call", "type": "phone", "phone_number": "+27821234567"}},
				"schedule": map[string]any{"at": at}}
			switch tc.base {
			case "cron":
				doc["schedule"] = map[string]any{"cron": "0 9 * * FRI", "time_zone": "Africa/Johannesburg", "until": "2099-01-01T00:00:00Z", "catch_up": "once"}
			case "local":
				doc["schedule"] = map[string]any{"local_time": "09:00", "date": time.Now().Add(48 * time.Hour).Format(time.DateOnly)}
			case "camel":
				doc["buttons"].([]any)[1] = map[string]any{"text": "Call", "type": "phone", "phoneNumber": "+27821234567"}
			}
			valid, _ := json.Marshal(doc)
			if p := eventPointerProblems(events.TypeSendPromo, valid); len(p) > 0 {
				t.Fatalf("the promo without null: %q", p)
			}
			if _, err := events.Decode[events.SendPromo](events.TypeSendPromo, valid); err != nil {
				t.Fatalf("the promo without null: worker: %v", err)
			}
			setNull(t, doc, tc.pointer)
			body, _ := json.Marshal(doc)
			checks := eventPointerProblems(events.TypeSendPromo, body)
			if !anyAt(checks, tc.pointer) {
				t.Errorf("checks: %q, want a problem at %s", checks, tc.pointer)
			}
			_, err := events.Decode[events.SendPromo](events.TypeSendPromo, body)
			var ve *events.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("worker: %v, want a validation error at %s (the worker dead-letters it)", err, tc.pointer)
			}
			var worker []string
			for _, p := range ve.Problems {
				worker = append(worker, pointerProblems("", p.Path+": "+p.Reason)...)
			}
			if !anyAt(worker, tc.pointer) {
				t.Errorf("worker: %q, want a problem at %s", worker, tc.pointer)
			}
		})
	}
}

// setNull sets the value at pointer (of objects and lists) in doc to null.
func setNull(t *testing.T, doc map[string]any, pointer string) {
	t.Helper()
	var cur any = doc
	parts := strings.Split(pointer[1:], "/")
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = nil
				return
			}
			cur = c[p]
		case []any:
			n := int(p[0] - '0')
			if last {
				c[n] = nil
				return
			}
			cur = c[n]
		default:
			t.Fatalf("no %s in the promo", pointer)
		}
	}
}

func anyAt(problems []string, pointer string) bool {
	for _, p := range problems {
		if strings.HasPrefix(p, pointer+": ") {
			return true
		}
	}
	return false
}
