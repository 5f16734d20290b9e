package events

import (
	"encoding/json"
	"fmt"
	"testing"
)

// segmentBody is a customer-segment-updated body as `campaignflow bench
// e2e` publishes it: an event_id, an audience and 10 contacts.
func segmentBody() []byte {
	body := `{"event_id":"ev-e2e-1f2e3d-1-12345","audience":{"id":"e2e-1f2e3d-1-12345","name":"bench audience"},"contacts":[`
	for j := range 10 {
		if j > 0 {
			body += ","
		}
		body += fmt.Sprintf(`{"number":"+2782%03d%04d"}`, j, 2345)
	}
	return []byte(body + "]}")
}

// BenchmarkDecodeSegment measures the typed decode and validation a segment
// event gets on its way to its handler, beside the plain way: one
// json.Unmarshal of the same body into the same struct, unchecked.
func BenchmarkDecodeSegment(b *testing.B) {
	body := segmentBody()
	b.Run("plain json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var ev SegmentUpdated
			if err := json.Unmarshal(body, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode[SegmentUpdated](TypeSegmentUpdated, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
