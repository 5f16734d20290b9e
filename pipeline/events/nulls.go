package events

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The schemas give every optional field a type (an object, a string, a
// list) and none of them null, so a send-promo with "frequency_cap": null
// or "schedule": null is not a send-promo by the contract. encoding/json
// reads null as "absent", which would run such a promo uncapped, or now;
// nullProblems makes the worker refuse it as validate event, publish and
// promo preview do (schema: got null, want object).

// promoOptional are send-promo's optional fields as the schema has them:
// top level, then those of schedule and of each button.
var (
	promoOptional = []string{"event_id", "image_url", "buttons", "language_code", "frequency_cap", "quiet_hours", "schedule"}
	promoSchedule = []string{"at", "cron", "time_zone", "until", "catch_up", "local_time", "date"}
	promoButton   = []string{"journey_id", "journeyId", "input", "url", "phone_number", "phoneNumber"}
)

// nullProblems lists the optional fields of a send-promo body given as null.
func nullProblems(data []byte) []Problem {
	if !bytes.Contains(data, []byte("null")) {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return nil // not an object: the decode says so
	}
	var out []Problem
	nulls := func(path string, m map[string]json.RawMessage, names []string) {
		for _, n := range names {
			if v, ok := m[n]; ok && isNull(v) {
				p := n
				if path != "" {
					p = path + "." + n
				}
				out = append(out, Problem{Path: p, Reason: "is null; leave it out, or give a value"})
			}
		}
	}
	nulls("", top, promoOptional)
	var sched map[string]json.RawMessage
	if json.Unmarshal(top["schedule"], &sched) == nil {
		nulls("schedule", sched, promoSchedule)
	}
	var buttons []map[string]json.RawMessage
	if json.Unmarshal(top["buttons"], &buttons) == nil {
		for i, b := range buttons {
			nulls("buttons["+strconv.Itoa(i)+"]", b, promoButton)
		}
	}
	return out
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }
