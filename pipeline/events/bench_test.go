package events

import (
	"encoding/json"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// BenchmarkDecodeSegment measures the typed decode and validation a segment
// event gets on its way to its handler, beside the plain way: one
// json.Unmarshal of the same body into the same struct, unchecked.
func BenchmarkDecodeSegment(b *testing.B) {
	body := pipelinetest.SegmentBody()
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
