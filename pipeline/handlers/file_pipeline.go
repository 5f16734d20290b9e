package handlers

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// fileBatchesInFlight bounds the batches of a file import: one being
// filled by the assembler, one queued, one being sent to Chat Inc.
const fileBatchesInFlight = 3

// fileRows is one batch of mapped rows on its way to Chat Inc.
type fileRows struct {
	contacts    []chatinc.Contact
	values      []chatinc.VariableValues
	first, last int // file row numbers of the first and last contact
}

func (r *fileRows) reset() {
	clear(r.values) // drop the value maps; the slice is reused
	r.contacts, r.values, r.first, r.last = r.contacts[:0], r.values[:0], 0, 0
}

// fileSender overlaps mapping with sending: the assembler fills a batch and
// queues it (emit) while the sender goroutine posts the batch before it.
// Batches go out one at a time, in file order. At most fileBatchesInFlight
// batches exist; the assembler waits for the sender to hand one back. The
// first send error cancels ctx with that error as the cause, which stops
// the assembler at its next emit; a cancelled parent ctx stops both.
type fileSender struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	full   chan *fileRows // assembler -> sender, in file order
	free   chan *fileRows // sender -> assembler, emptied batches
	done   chan struct{}  // closed when the sender goroutine has returned
}

// startFileSender starts the sender goroutine; send posts one batch. The
// caller must call stop (deferred) on every path.
func startFileSender(ctx context.Context, send func(context.Context, *fileRows) error) *fileSender {
	ctx, cancel := context.WithCancelCause(ctx)
	s := &fileSender{ctx: ctx, cancel: cancel, full: make(chan *fileRows, fileBatchesInFlight),
		free: make(chan *fileRows, fileBatchesInFlight), done: make(chan struct{})}
	for range fileBatchesInFlight {
		s.free <- &fileRows{}
	}
	go s.run(send)
	return s
}

func (s *fileSender) run(send func(context.Context, *fileRows) error) {
	defer close(s.done)
	defer recoverStage("sender", s.cancel)
	for {
		select {
		case <-s.ctx.Done():
			return
		case b, ok := <-s.full:
			if !ok {
				return
			}
			if err := send(s.ctx, b); err != nil {
				s.cancel(err)
				return
			}
			b.reset()
			s.free <- b // never blocks: free holds every batch
		}
	}
}

// batch returns an empty batch to fill, waiting while all are in flight.
func (s *fileSender) batch() (*fileRows, error) {
	select {
	case b := <-s.free:
		return b, nil
	case <-s.ctx.Done():
		return nil, s.why()
	}
}

// emit queues a filled batch for sending and returns an empty one.
func (s *fileSender) emit(b *fileRows) (*fileRows, error) {
	select {
	case s.full <- b:
	case <-s.ctx.Done():
		return nil, s.why()
	}
	return s.batch()
}

// stopped reports, without waiting, why the pipeline stopped (nil: it runs).
func (s *fileSender) stopped() error {
	if s.ctx.Err() == nil {
		return nil
	}
	return s.why()
}

// finish queues the last (possibly partial) batch, waits until every
// batch is sent and returns the first error.
func (s *fileSender) finish(last *fileRows) error {
	if len(last.contacts) > 0 {
		select {
		case s.full <- last:
		case <-s.ctx.Done():
			return s.why()
		}
	}
	close(s.full)
	<-s.done
	return s.stopped()
}

// why waits for the sender goroutine of a stopped pipeline and returns the
// cause: the send error, or the parent context's error.
func (s *fileSender) why() error {
	<-s.done
	return context.Cause(s.ctx)
}

// stop ends the sender goroutine and waits for it; safe to call after
// finish or an error.
func (s *fileSender) stop() {
	s.cancel(context.Canceled)
	<-s.done
}

// recoverStage turns a panic of a file import stage's goroutine (E.164
// mapping, assembling, sending) into a permanent error that stops the
// import, as pipeline.Recover does for the handler's own goroutine: one bad
// file must not take the worker down. Call it deferred.
func recoverStage(stage string, cancel context.CancelCauseFunc) {
	if p := recover(); p != nil {
		cancel(pipeline.Permanent(fmt.Errorf("handlers: %s: file import %s panicked: %v\n%s", events.TypeAudienceFileUploaded, stage, p, debug.Stack())))
	}
}
