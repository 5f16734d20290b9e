package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/internal/jsonscan"
)

// Envelope is an event body as it was published: a plain JSON object, or a
// CloudEvents 1.0 structured JSON envelope whose data holds the event. It is
// read the same way by the worker (Decode), `campaignflow publish` and
// `campaignflow validate event`.
type Envelope struct {
	// CloudEvent is set for a CloudEvents envelope; ID and Type are then its
	// id and its type without prefix ("com.example.send-promo" is
	// "send-promo").
	CloudEvent bool
	ID, Type   string
	// Data is the event itself: the envelope's data, or the whole body.
	Data []byte
	// EventID is the event's own event_id ("" when absent or not a string).
	EventID string
}

// BodyID is the id the body gives an event (without a Nats-Msg-Id header):
// its event_id, else the CloudEvents id; from says which.
func (e Envelope) BodyID() (id, from string) {
	if e.EventID != "" {
		return e.EventID, "event_id"
	}
	return e.ID, "CloudEvents id"
}

// specVersionKey marks a CloudEvents structured envelope.
var specVersionKey = []byte(`"specversion"`)

// envelopeProbe is what is read of a body: only the members that matter (a
// map of every member would cost an allocation per member).
type envelopeProbe struct {
	SpecVersion json.RawMessage `json:"specversion"`
	EventID     json.RawMessage `json:"event_id"`
}

// cloudEvent is a CloudEvents 1.0 structured JSON envelope.
type cloudEvent struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Data        json.RawMessage `json:"data"`
}

// ParseEnvelope reads an event body (a plain one in one pass, see
// plainEnvelope). A body that is not a JSON object, a CloudEvents envelope
// of another spec version or without a JSON object in data is an error
// wrapping ErrDecode.
func ParseEnvelope(data []byte) (Envelope, error) {
	body := bytes.TrimSpace(data)
	if len(body) == 0 || body[0] != '{' {
		return Envelope{}, fmt.Errorf("%w: body is not a JSON object", ErrDecode)
	}
	if env, ok := fastEnvelope(body); ok {
		return env, nil
	}
	return parseEnvelopeJSON(body)
}

// fastEnvelope reads the common bodies, a plain event or a CloudEvents
// envelope, in one pass; ok false leaves the body to parseEnvelopeJSON.
func fastEnvelope(body []byte) (Envelope, bool) {
	if env, ok := plainEnvelope(body); ok {
		return env, true
	}
	return cloudEventEnvelope(body)
}

// The members of envelopeProbe and cloudEvent, which the one-pass reads
// take care of (a key encoding/json might match to one of them but not
// spelled so is left to it).
var (
	probeMembers      = []string{"specversion", "event_id"}
	cloudEventMembers = []string{"specversion", "id", "type", "data"}
)

// plainEnvelope reads the common body in one pass: a valid JSON object
// without "specversion", whose event_id, if any, is a plain string. It
// gives up (ok false) on anything else (a member encoding/json might read
// as specversion or event_id but not spelled so, an escape in a key, a
// repeated event_id, invalid JSON), which parseEnvelopeJSON then reads as
// before.
func plainEnvelope(body []byte) (Envelope, bool) {
	r := jsonscan.NewReader(body)
	var id []byte
	seen := false
	ok := r.Object(func(key []byte) bool {
		if string(key) == "event_id" && !seen {
			seen = true
			var ok bool
			id, ok = r.String()
			return ok
		}
		return !jsonscan.MayMatch(key, probeMembers...) && r.Skip()
	}) && r.End()
	if !ok {
		return Envelope{}, false
	}
	return Envelope{Data: body, EventID: string(id)}, true
}

// cloudEventEnvelope reads a CloudEvents 1.x envelope in one pass: its
// specversion, id and type plain strings, its data a JSON object (a plain
// body, see plainEnvelope). It gives up (ok false) on anything else (an
// envelope parseEnvelopeJSON refuses among it).
func cloudEventEnvelope(body []byte) (Envelope, bool) {
	r := jsonscan.NewReader(body)
	var spec, id, typ, data []byte
	var seen [4]bool
	ok := r.Object(func(key []byte) bool {
		var i int
		switch string(key) {
		case "specversion":
			i = 0
		case "id":
			i = 1
		case "type":
			i = 2
		case "data":
			i = 3
		default:
			return !jsonscan.MayMatch(key, cloudEventMembers...) && r.Skip()
		}
		if seen[i] {
			return false // repeated: the last wins in encoding/json; left to it
		}
		seen[i] = true
		var ok bool
		switch i {
		case 0:
			spec, ok = r.String()
		case 1:
			id, ok = r.String()
		case 2:
			typ, ok = r.String()
		default:
			data, ok = r.Raw()
		}
		return ok
	}) && r.End()
	if !ok || !seen[0] || !strings.HasPrefix(string(spec), "1.") || len(data) == 0 || data[0] != '{' {
		return Envelope{}, false
	}
	inner, ok := plainEnvelope(data)
	if !ok {
		return Envelope{}, false
	}
	return Envelope{CloudEvent: true, ID: string(id), Type: ceType(string(typ)), Data: data, EventID: inner.EventID}, true
}

// parseEnvelopeJSON is ParseEnvelope by encoding/json, for any body.
func parseEnvelopeJSON(body []byte) (Envelope, error) {
	var probe envelopeProbe
	if err := json.Unmarshal(body, &probe); err != nil {
		return Envelope{}, fmt.Errorf("%w: invalid JSON: %v", ErrDecode, err)
	}
	if len(probe.SpecVersion) == 0 {
		return Envelope{Data: body, EventID: stringOf(probe.EventID)}, nil
	}
	var ce cloudEvent
	if err := json.Unmarshal(body, &ce); err != nil {
		return Envelope{}, fmt.Errorf("%w: CloudEvents envelope: %v", ErrDecode, err)
	}
	if !strings.HasPrefix(ce.SpecVersion, "1.") {
		return Envelope{}, fmt.Errorf("%w: CloudEvents specversion %s is not 1.x", ErrDecode, ids.Quote(ce.SpecVersion))
	}
	inner := bytes.TrimSpace(ce.Data)
	if len(inner) == 0 || inner[0] != '{' {
		return Envelope{}, fmt.Errorf("%w: CloudEvents envelope %s has no JSON object in data", ErrDecode, ids.Quote(ce.ID))
	}
	env := Envelope{CloudEvent: true, ID: ce.ID, Type: ceType(ce.Type), Data: inner}
	var p envelopeProbe
	_ = json.Unmarshal(inner, &p)
	env.EventID = stringOf(p.EventID)
	return env, nil
}

func stringOf(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// ceType strips a reverse-DNS or subject-like prefix from a CloudEvents
// type: "com.example.send-promo" and "chatinc.events.send-promo" are
// "send-promo".
func ceType(t string) string {
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}
