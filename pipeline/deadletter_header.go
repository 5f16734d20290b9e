package pipeline

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Size limits of what a dead letter carries besides the body, so that a
// dead letter fits whenever its original did.
const (
	MaxErrorHeader  = 4 << 10 // Campaignflow-Error
	maxCopiedValue  = 1 << 10 // each header value copied from the original
	maxCopiedHeader = 8 << 10 // all copied original headers together
)

// deadLetterHeaders are the headers of one dead letter: full carries the
// original's headers (cut to size) and the Campaignflow-* ones; slim only
// the Campaignflow-* ones, for a dead letter without its body.
type deadLetterHeaders struct{ full, slim nats.Header }

func deadLetterHeader(msg jetstream.Msg, m *Message, class Class, cause error, now time.Time, eventsStream string) deadLetterHeaders {
	own := nats.Header{}
	if id := msg.Headers().Get(jetstream.MsgIDHeader); id != "" {
		own.Set(HeaderOriginalMsgID, Truncate(id, maxCopiedValue))
	} else if m.ID != "" {
		own.Set(HeaderOriginalMsgID, Truncate(m.ID, maxCopiedValue))
	}
	own.Set(HeaderError, Truncate(cause.Error(), MaxErrorHeader))
	own.Set(HeaderErrorClass, class.String())
	own.Set(HeaderAttempts, strconv.FormatUint(max(m.Delivered, 1), 10))
	own.Set(HeaderOriginalSubject, msg.Subject())
	own.Set(HeaderOriginalSeq, strconv.FormatUint(m.StreamSeq, 10))
	own.Set(HeaderFailedAt, now.UTC().Format(time.RFC3339))
	own.Set(HeaderEventType, m.Type)
	own.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s:%d", eventsStream, m.StreamSeq))

	full, budget := nats.Header{}, maxCopiedHeader
	for k, vs := range msg.Headers() {
		if _, ours := own[k]; ours || strings.HasPrefix(k, "Campaignflow-") || isNATSControl(k) {
			continue
		}
		for _, v := range vs {
			v = Truncate(v, maxCopiedValue)
			if budget -= len(k) + len(v); budget < 0 {
				break
			}
			full[k] = append(full[k], v)
		}
	}
	for k, v := range own {
		full[k] = v
	}
	return deadLetterHeaders{full: full, slim: own}
}

// isNATSControl reports a header JetStream acts on when publishing
// (Nats-Expected-Stream, Nats-Expected-Last-Sequence, Nats-Rollup, ...):
// copied into a dead letter or a replay it would make that publish fail.
func isNATSControl(key string) bool {
	return strings.HasPrefix(http.CanonicalHeaderKey(key), "Nats-")
}

// Truncate cuts s to at most n bytes on a rune boundary, saying so: how
// the worker cuts an error it logs or puts in a dead letter
// (MaxErrorHeader), and how the commands cut a problem they print.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "... (truncated)"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
