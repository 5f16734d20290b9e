package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/sources"
)

// cloudEvent is a CloudEvents 1.0 structured JSON envelope.
type cloudEvent struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Source      string          `json:"source"`
	Data        json.RawMessage `json:"data"`
}

// specVersionKey marks a CloudEvents structured envelope.
var specVersionKey = []byte(`"specversion"`)

// bodyProbe is what decoding reads of an event body.
type bodyProbe struct {
	SpecVersion json.RawMessage `json:"specversion"`
	EventID     json.RawMessage `json:"event_id"`
}

// Decode turns a JetStream message into a Message. Plain JSON bodies and
// CloudEvents structured envelopes are accepted; the event id is the
// Nats-Msg-Id header, else the body's event_id, else the CloudEvents id. An
// undecodable message is an error wrapping ErrDecode.
func Decode(msg jetstream.Msg, names sources.Names) (*Message, error) {
	m := &Message{Subject: msg.Subject(), Header: msg.Headers(), Type: names.EventTypeOf(msg.Subject())}
	if meta, err := msg.Metadata(); err == nil {
		m.Delivered, m.StreamSeq, m.Published = meta.NumDelivered, meta.Sequence.Stream, meta.Timestamp
	}
	if err := decodeBody(m, msg.Data(), msg.Headers()); err != nil {
		return m, err
	}
	return m, nil
}

func decodeBody(m *Message, data []byte, hdr nats.Header) error {
	body := bytes.TrimSpace(data)
	if len(body) == 0 || body[0] != '{' {
		return fmt.Errorf("%w: body is not a JSON object (subject %s)", ErrDecode, ids.Quote(m.Subject))
	}
	// The common case: an id in the header and no CloudEvents envelope
	// (no "specversion" member) needs only a validity scan of the body.
	if id := hdr.Get(jetstream.MsgIDHeader); id != "" && !bytes.Contains(body, specVersionKey) && json.Valid(body) {
		m.Data, m.ID = body, id
		return checkIdentity(m, "Nats-Msg-Id header")
	}
	// Only the two members that matter are kept (a map of every member
	// would cost an allocation per member on the hot path).
	var probe bodyProbe
	if err := json.Unmarshal(body, &probe); err != nil {
		return fmt.Errorf("%w: invalid JSON: %v", ErrDecode, err)
	}
	ceID := ""
	var mismatch error // reported once the id is known
	if len(probe.SpecVersion) > 0 {
		var ce cloudEvent
		if err := json.Unmarshal(body, &ce); err != nil {
			return fmt.Errorf("%w: CloudEvents envelope: %v", ErrDecode, err)
		}
		if !strings.HasPrefix(ce.SpecVersion, "1.") {
			return fmt.Errorf("%w: CloudEvents specversion %q is not 1.x", ErrDecode, ce.SpecVersion)
		}
		if t := ceType(ce.Type); t != "" {
			switch {
			case m.Type == "":
				m.Type = t
			case t != m.Type:
				mismatch = Validation(fmt.Errorf("pipeline: CloudEvents type %s disagrees with subject %s: publish each event on %s<its type>",
					ids.Quote(ce.Type), ids.Quote(m.Subject), strings.TrimSuffix(m.Subject, m.Type)))
			}
		}
		data := bytes.TrimSpace(ce.Data)
		if len(data) == 0 || data[0] != '{' {
			return fmt.Errorf("%w: CloudEvents envelope %q has no JSON object in data", ErrDecode, ce.ID)
		}
		body, ceID = data, ce.ID
		probe = bodyProbe{}
		_ = json.Unmarshal(body, &probe)
	}
	m.Data = body
	from := "Nats-Msg-Id header"
	m.ID = hdr.Get(jetstream.MsgIDHeader)
	if m.ID == "" {
		var id string
		if len(probe.EventID) > 0 && json.Unmarshal(probe.EventID, &id) == nil {
			m.ID, from = id, "event_id"
		}
	}
	if m.ID == "" {
		m.ID, from = ceID, "CloudEvents id"
	}
	if m.ID == "" {
		return fmt.Errorf("%w: event has no id: set the Nats-Msg-Id header, event_id in the body, or a CloudEvents id", ErrDecode)
	}
	if err := checkIdentity(m, from); err != nil {
		return err
	}
	return mismatch
}

// checkIdentity refuses an event whose id (from where it was read) breaks the
// id rules or that has no type. A bad id is a validation error, and m.ID is
// replaced by a short safe form so that log lines, headers and keys built
// from it stay small.
func checkIdentity(m *Message, from string) error {
	if err := ids.Check(m.ID); err != nil {
		bad := m.ID
		m.ID = ids.Token(bad)
		return Validation(fmt.Errorf("pipeline: event id from the %s: %w", from, err))
	}
	if m.Type == "" {
		return errNoType(m)
	}
	return nil
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

func errNoType(m *Message) error {
	return fmt.Errorf("%w: event %s has no type: publish on <prefix>.events.<type> or use a CloudEvents type", ErrDecode, m.ID)
}
