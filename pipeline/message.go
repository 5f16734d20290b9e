package pipeline

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
)

// Message is one event, decoded: for a CloudEvents envelope Data is its
// "data", and Type and ID come from the envelope as the contract says.
type Message struct {
	ID        string      // event id (Nats-Msg-Id, else event_id, else CloudEvents id)
	Type      string      // event type, e.g. "send-promo"
	Subject   string      // the NATS subject it came on
	Data      []byte      // the event body (JSON)
	Header    nats.Header // the original NATS headers (traceparent among them)
	Delivered uint64      // delivery count, 1 on the first delivery
	StreamSeq uint64      // sequence in the events stream
	Published time.Time   // when the stream stored it
	TraceID   string      // set by tracing middleware; the runner's own log lines carry it
}

// Handler does the work of one message. It returns nil when the effect is
// done, or an error whose class (see ClassOf) decides the message's fate.
type Handler func(ctx context.Context, m *Message) error

// Middleware wraps a Handler (telemetry, logging, panic recovery, ...).
type Middleware func(Handler) Handler

// Chain wraps h in mws, the first being the outermost.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
