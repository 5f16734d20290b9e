package pipeline

import (
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// FuzzDecode: whatever the body, header id and subject type, decoding never
// panics; a decoded event has an allowed id, a type and a JSON object body;
// a refusal's message stays short.
func FuzzDecode(f *testing.F) {
	f.Add("send-promo", "h1", []byte(`{"event_id":"b1","promo_id":"p"}`))
	f.Add("send-promo", "", []byte(`{"event_id":"b1"}`))
	f.Add("send-promo", "", []byte(`{"specversion":"1.0","id":"c","type":"send-promo","data":{"a":1}}`))
	f.Add("send-promo", "", []byte(`{"specversion":"1.0","id":"c","type":"x.y","data":{}}`))
	f.Add("", "", []byte(`{"specversion":"1.0","id":"c","type":"send-promo","data":{}}`))
	f.Add("send-promo", "id with space", []byte(`{}`))
	f.Add("send-promo", "", []byte(`{"event_id":"\u00ff"}`))
	f.Fuzz(func(t *testing.T, typ, id string, body []byte) {
		hdr := nats.Header{}
		if id != "" {
			hdr.Set(jetstream.MsgIDHeader, id)
		}
		m := &Message{Subject: "chatinc.events." + typ, Type: typ, Header: hdr}
		err := decodeBody(m, body, hdr)
		if err != nil {
			if len(err.Error()) > 1024 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			if len(m.ID) > 3*ids.MaxLen {
				t.Fatalf("id of %d bytes kept after a refusal", len(m.ID))
			}
			return
		}
		if ids.Check(m.ID) != nil || m.Type == "" {
			t.Fatalf("decoded id %q type %q", m.ID, m.Type)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(m.Data, &obj) != nil {
			t.Fatalf("decoded data is not a JSON object: %q", m.Data)
		}
	})
}
