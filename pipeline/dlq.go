package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/sources"
)

// DeadLetter is one message of the dead-letter stream.
type DeadLetter struct {
	Seq             uint64    `json:"seq"`
	Subject         string    `json:"subject"`
	Type            string    `json:"type"`
	EventID         string    `json:"event_id"`
	Class           string    `json:"class"`
	Error           string    `json:"error"`
	Attempts        int       `json:"attempts"`
	OriginalSubject string    `json:"original_subject"`
	OriginalSeq     uint64    `json:"original_seq"`
	FailedAt        time.Time `json:"failed_at"`
	// BodyOmitted is set when the dead letter was too large to carry the
	// original body; it says where the body is (the events stream).
	BodyOmitted string      `json:"body_omitted,omitempty"`
	Data        []byte      `json:"-"`
	Header      nats.Header `json:"-"`
}

// DLQ lists, shows, replays and purges dead letters.
type DLQ struct {
	js    jetstream.JetStream
	names sources.Names
}

// NewDLQ works on names.DLQStream.
func NewDLQ(js jetstream.JetStream, names sources.Names) *DLQ { return &DLQ{js: js, names: names} }

func (d *DLQ) stream(ctx context.Context) (jetstream.Stream, error) {
	s, err := d.js.Stream(ctx, d.names.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("pipeline: dead-letter stream %s: %w", d.names.DLQStream, err)
	}
	return s, nil
}

// List returns the dead letters, oldest first, of one type when eventType
// is set. It holds them all; All streams them.
func (d *DLQ) List(ctx context.Context, eventType string) ([]DeadLetter, error) {
	var out []DeadLetter
	for dl, err := range d.All(ctx, eventType) {
		if err != nil {
			return nil, err
		}
		out = append(out, dl)
	}
	return out, nil
}

// All yields the dead letters stored when it starts, oldest first (of one
// type when eventType is set), reading the stream with an ordered consumer
// so that memory stays flat however many there are. A failure is yielded
// once, as the last item.
func (d *DLQ) All(ctx context.Context, eventType string) iter.Seq2[DeadLetter, error] {
	return func(yield func(DeadLetter, error) bool) {
		s, err := d.stream(ctx)
		if err != nil {
			yield(DeadLetter{}, err)
			return
		}
		info, err := s.Info(ctx)
		if err != nil {
			yield(DeadLetter{}, fmt.Errorf("pipeline: dead-letter stream %s: %w", d.names.DLQStream, err))
			return
		}
		if info.State.Msgs == 0 {
			return
		}
		last := info.State.LastSeq
		cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
		if err != nil {
			yield(DeadLetter{}, fmt.Errorf("pipeline: reading dead-letter stream %s: %w", d.names.DLQStream, err))
			return
		}
		for {
			// A whole batch is read before any is yielded: a fetch left
			// half-read keeps its goroutine until it times out.
			batch, err := cons.FetchNoWait(256)
			if err != nil {
				yield(DeadLetter{}, fmt.Errorf("pipeline: reading dead-letter stream %s: %w", d.names.DLQStream, err))
				return
			}
			var read []*DeadLetter
			for m := range batch.Messages() {
				if meta, err := m.Metadata(); err == nil {
					read = append(read, d.deadLetter(meta.Sequence.Stream, m.Subject(), m.Headers(), m.Data()))
				}
			}
			if err := batch.Error(); err != nil {
				yield(DeadLetter{}, fmt.Errorf("pipeline: reading dead-letter stream %s: %w", d.names.DLQStream, err))
				return
			}
			if len(read) == 0 {
				return // the rest was removed (replayed, aged out) while reading
			}
			for _, dl := range read {
				if dl.Seq > last {
					return
				}
				if (eventType == "" || dl.Type == eventType) && !yield(*dl, nil) {
					return
				}
				if dl.Seq == last {
					return
				}
			}
			if err := ctx.Err(); err != nil {
				yield(DeadLetter{}, err)
				return
			}
		}
	}
}

// Show returns one dead letter.
func (d *DLQ) Show(ctx context.Context, seq uint64) (*DeadLetter, error) {
	s, err := d.stream(ctx)
	if err != nil {
		return nil, err
	}
	dl, err := d.get(ctx, s, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("pipeline: no dead letter with sequence %d (see `campaignflow dlq list`)", seq)
	}
	return dl, err
}

func (d *DLQ) get(ctx context.Context, s jetstream.Stream, seq uint64) (*DeadLetter, error) {
	raw, err := s.GetMsg(ctx, seq)
	if err != nil {
		return nil, err
	}
	return d.deadLetter(raw.Sequence, raw.Subject, raw.Header, raw.Data), nil
}

// deadLetter reads a dead letter's headers.
func (d *DLQ) deadLetter(seq uint64, subject string, h nats.Header, data []byte) *DeadLetter {
	dl := &DeadLetter{Seq: seq, Subject: subject, Data: data, Header: h,
		Type: h.Get(HeaderEventType), EventID: h.Get(HeaderOriginalMsgID), Class: h.Get(HeaderErrorClass),
		Error: h.Get(HeaderError), OriginalSubject: h.Get(HeaderOriginalSubject), BodyOmitted: h.Get(HeaderBodyOmitted)}
	dl.Attempts, _ = strconv.Atoi(h.Get(HeaderAttempts))
	dl.OriginalSeq, _ = strconv.ParseUint(h.Get(HeaderOriginalSeq), 10, 64)
	dl.FailedAt, _ = time.Parse(time.RFC3339, h.Get(HeaderFailedAt))
	if dl.Type == "" {
		dl.Type = strings.TrimPrefix(subject, d.names.Prefix+".dlq.")
	}
	return dl
}

// Replay re-publishes a dead letter to its original subject with a fresh
// message id, waits for the stream's ack, and only then deletes the dead
// letter. It returns the new sequence in the events stream.
func (d *DLQ) Replay(ctx context.Context, seq uint64) (uint64, error) {
	return d.ReplayWith(ctx, seq, nil)
}

// ReplayWith is Replay with body instead of the dead letter's own (nil:
// its own), for a dead letter whose body had to be fixed.
func (d *DLQ) ReplayWith(ctx context.Context, seq uint64, body []byte) (uint64, error) {
	s, err := d.stream(ctx)
	if err != nil {
		return 0, err
	}
	dl, err := d.get(ctx, s, seq)
	if err != nil {
		return 0, fmt.Errorf("pipeline: dead letter %d: %w", seq, err)
	}
	if dl.OriginalSubject == "" {
		return 0, fmt.Errorf("pipeline: dead letter %d has no %s header; cannot tell where to replay it", seq, HeaderOriginalSubject)
	}
	data := dl.Data
	if body != nil {
		data = body
	} else if dl.BodyOmitted != "" {
		if data, err = d.originalBody(ctx, dl); err != nil {
			return 0, err
		}
	}
	hdr := nats.Header{}
	for k, v := range dl.Header {
		if strings.HasPrefix(k, "Campaignflow-") || isNATSControl(k) {
			continue
		}
		hdr[k] = v
	}
	hdr.Set(jetstream.MsgIDHeader, replayID(dl.EventID, seq))
	ack, err := d.js.PublishMsg(ctx, &nats.Msg{Subject: dl.OriginalSubject, Header: hdr, Data: data})
	if err != nil {
		return 0, fmt.Errorf("pipeline: replaying dead letter %d to %s: %w (the dead letter is kept)", seq, dl.OriginalSubject, err)
	}
	if err := s.DeleteMsg(ctx, seq); err != nil {
		return ack.Sequence, fmt.Errorf("pipeline: dead letter %d replayed as %d but not deleted: %w", seq, ack.Sequence, err)
	}
	return ack.Sequence, nil
}

// replaySuffix is what a replay adds to an event id: "-replay-<dlq seq>".
var replaySuffix = regexp.MustCompile(`-replay-[0-9]+$`)

// replayID is the message id of a replay of dead letter seq: the event's id
// (without an earlier replay's suffix) and "-replay-<seq>", cut so that it
// stays a valid id (ids.MaxLen) however often the event is replayed.
func replayID(id string, seq uint64) string {
	if id == "" {
		id = "event"
	}
	id = replaySuffix.ReplaceAllString(id, "")
	if ids.Check(id) != nil {
		// The id was the problem (a Nats-Msg-Id with a space or invalid
		// UTF-8, which wins over the body's event_id): a replay under it
		// would come straight back. Its escape is a valid id and says
		// where it came from.
		id = ids.Token(id)
	}
	suffix := fmt.Sprintf("-replay-%d", seq)
	if len(id)+len(suffix) > ids.MaxLen {
		id = id[:ids.MaxLen-len(suffix)]
	}
	return id + suffix
}

// Body is the dead letter's body: its own, or for one published without it
// (BodyOmitted) the original's, read from the events stream.
func (d *DLQ) Body(ctx context.Context, dl *DeadLetter) ([]byte, error) {
	if dl.BodyOmitted == "" {
		return dl.Data, nil
	}
	return d.originalBody(ctx, dl)
}

// originalBody reads the body of a dead letter published without it from
// the events stream, where the original still is (until it ages out).
func (d *DLQ) originalBody(ctx context.Context, dl *DeadLetter) ([]byte, error) {
	events, err := d.js.Stream(ctx, d.names.EventsStream)
	if err != nil {
		return nil, fmt.Errorf("pipeline: dead letter %d has no body and the events stream %s is not readable: %w", dl.Seq, d.names.EventsStream, err)
	}
	raw, err := events.GetMsg(ctx, dl.OriginalSeq)
	if err != nil {
		return nil, fmt.Errorf("pipeline: dead letter %d has no body and its original (%s sequence %d) is gone: %w", dl.Seq, d.names.EventsStream, dl.OriginalSeq, err)
	}
	return raw.Data, nil
}

// Seqs lists the sequences of the dead letters (of one type when eventType
// is set), oldest first, without holding their bodies.
func (d *DLQ) Seqs(ctx context.Context, eventType string) ([]uint64, error) {
	var seqs []uint64
	for dl, err := range d.All(ctx, eventType) {
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, dl.Seq)
	}
	return seqs, nil
}

// Purge removes every dead letter.
func (d *DLQ) Purge(ctx context.Context) error {
	s, err := d.stream(ctx)
	if err != nil {
		return err
	}
	return s.Purge(ctx)
}
