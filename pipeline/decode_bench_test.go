package pipeline

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// BenchmarkDecodeBody measures the worker's read of a plain body with a
// Nats-Msg-Id header (id, type, validity) beside the plain way, one
// json.Valid of the same body.
func BenchmarkDecodeBody(b *testing.B) {
	body := pipelinetest.SegmentBody()
	hdr := nats.Header{}
	hdr.Set(jetstream.MsgIDHeader, "ev-e2e-1f2e3d-1-12345")
	b.Run("plain json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("decodeBody, id in the body", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			m := Message{Subject: "chatinc.events.customer-segment-updated", Type: "customer-segment-updated"}
			if err := decodeBody(&m, body, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	ce := []byte(`{"specversion":"1.0","id":"ce-1","type":"com.example.customer-segment-updated","source":"/crm","data":` + string(body) + `}`)
	b.Run("decodeBody, CloudEvents", func(b *testing.B) {
		b.SetBytes(int64(len(ce)))
		b.ReportAllocs()
		for b.Loop() {
			m := Message{Subject: "chatinc.events.customer-segment-updated", Type: "customer-segment-updated"}
			if err := decodeBody(&m, ce, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decodeBody", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			m := Message{Subject: "chatinc.events.customer-segment-updated", Type: "customer-segment-updated"}
			if err := decodeBody(&m, body, hdr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRouter measures the dispatch of a message by type through the
// Recover middleware, beside calling the handler directly.
func BenchmarkRouter(b *testing.B) {
	m := &Message{Type: "customer-segment-updated", ID: "e1"}
	h := func(context.Context, *Message) error { return nil }
	r := NewRouter()
	r.Use(Recover())
	r.Handle(m.Type, h)
	r.Handle("send-promo", h)
	for _, bc := range []struct {
		name string
		h    Handler
	}{{"plain call", h}, {"Router with Recover", r.Handler()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if err := bc.h(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
