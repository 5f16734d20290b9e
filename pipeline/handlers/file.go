package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"syscall"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// FileHandler handles audience-file-uploaded: it opens the source through
// the Opener, reads the CSV a row at a time, and sends good rows to Chat Inc
// in batches, in file order, while reading: batch N is posted while the rows
// of batch N+1 are read and mapped to E.164 (on up to two goroutines), with
// a few chunks and at most three batches in memory (memory stays flat).
// Bad rows go to the report. A refused batch stops the reading and is
// returned naming its rows; a cancelled ctx stops every stage.
type FileHandler struct {
	client  AudienceClient
	report  reporter
	opener  Opener
	csv     CSVReaderFunc
	numbers e164.Mapper
	batch   int
}

// NewFileHandler returns the handler; reports receives one ingest report per
// event. Options read: WithOpener, WithCSVReader, WithBatchSize,
// WithDefaultRegion, WithClock, WithLogger.
func NewFileHandler(client AudienceClient, reports ReportPublisher, opts ...Option) (*FileHandler, error) {
	if client == nil || reports == nil {
		return nil, errors.New("handlers: NewFileHandler needs a Chat Inc client and a report publisher")
	}
	s := newSettings(opts)
	return &FileHandler{client: client, report: reporter{reports: reports, clock: s.clock, log: s.log}, opener: s.opener,
		csv: s.csv, numbers: s.numbers, batch: s.batch}, nil
}

func (h *FileHandler) register(r *pipeline.Router) {
	register(r, events.TypeAudienceFileUploaded, h.file)
}

// Handle validates the event, then handles it (the router's path validates
// once, at decode).
func (h *FileHandler) Handle(ctx context.Context, eventID string, ev *events.AudienceFileUploaded) error {
	return checked(ctx, eventID, ev, h.file)
}

func (h *FileHandler) file(ctx context.Context, eventID string, ev *events.AudienceFileUploaded) error {
	if h.opener == nil {
		return permanent(fmt.Errorf("handlers: %s %s: no file sources are configured; set the allowed directories, URLs or object store", events.TypeAudienceFileUploaded, eventID))
	}
	rc, err := h.opener.Open(ctx, ev.Source)
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENAMETOOLONG) {
		return permanent(fmt.Errorf("handlers: %s %s: source path cannot be opened: %w", events.TypeAudienceFileUploaded, eventID, err))
	}
	if isNotFound(err) {
		// The event says the file was uploaded: a missing one does not
		// appear by waiting, so say so now instead of after ~9 minutes of
		// retries. Once it is there, replay the dead letter.
		return permanent(fmt.Errorf("handlers: %s %s: source not found (upload it, then `campaignflow dlq replay SEQ`): %w", events.TypeAudienceFileUploaded, eventID, err))
	}
	if err != nil {
		return classify(fmt.Errorf("handlers: %s %s: open source: %w", events.TypeAudienceFileUploaded, eventID, err))
	}
	defer rc.Close()
	rows, err := h.csv(rc)
	if err != nil {
		return validation(fmt.Errorf("handlers: %s %s: %w", events.TypeAudienceFileUploaded, eventID, err))
	}
	cols, err := mapColumns(rows.Header(), ev.Columns)
	if err != nil {
		return validation(err)
	}
	group := ev.VariableGroup
	if group != nil && len(cols.fields) == 0 {
		group = nil
	}
	groupID := ""
	if group != nil {
		groupID = group.ID
	}
	rep := newReport(eventID, events.TypeAudienceFileUploaded, ev.Audience.ID, groupID)
	b := &fileBatch{h: h, ev: ev, group: group, cols: cols, eventID: eventID}
	if err := b.readAndSend(ctx, rows, rep); err != nil {
		return err
	}
	return h.report.publish(ctx, rep)
}

// isNotFound reports a missing file, bucket or object.
func isNotFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, jetstream.ErrObjectNotFound) || errors.Is(err, jetstream.ErrBucketNotFound)
}

// readAndSend reads rows on this goroutine, in chunks, while mappers map
// them to E.164, the assembler reports them and fills batches, and the
// sender posts the batch before (see fileStages, fileSender). A send error
// or a cancelled ctx stops every stage; the error names the rows.
func (b *fileBatch) readAndSend(ctx context.Context, rows CSVRows, rep *reportBuilder) error {
	p := startFileStages(ctx, b.h.numbers, b.cols.number, b.assemble(rep, rows.Header()[b.cols.number]))
	defer p.stop()
	chunkRows := min(fileChunkRows, b.h.batch)
	lastRow := 1
	for eof := false; !eof; {
		c, err := p.chunk()
		if err != nil {
			return b.stopped(err, lastRow)
		}
		for len(c.rowNums) < chunkRows {
			rec, rowNum, err := rows.Next()
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			lastRow = rowNum
			var rowErr *RowError
			if errors.As(err, &rowErr) {
				c.add(rowNum, nil, rowErr)
				continue
			}
			if err != nil {
				return classify(fmt.Errorf("handlers: %s %s: reading row %d: %w", events.TypeAudienceFileUploaded, b.eventID, rowNum, err))
			}
			c.add(rowNum, rec, nil)
		}
		if err := p.dispatch(c); err != nil {
			return b.stopped(err, lastRow)
		}
	}
	if err := p.finish(); err != nil {
		return b.stopped(err, -1)
	}
	return nil
}

// assemble returns the assembler stage: it takes the mapped chunks in file
// order, reports each row (numberColumn names the column of rejected
// numbers) and fills the batches the sender posts.
func (b *fileBatch) assemble(rep *reportBuilder, numberColumn string) func(context.Context, <-chan *fileChunk, chan<- *fileChunk) error {
	return func(ctx context.Context, order <-chan *fileChunk, free chan<- *fileChunk) error {
		s := startFileSender(ctx, b.send)
		defer s.stop()
		cur, err := s.batch()
		if err != nil {
			return err
		}
		for {
			var c *fileChunk
			var more bool
			select {
			case c, more = <-order:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			if !more {
				return s.finish(cur)
			}
			select {
			case <-c.ready:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			for i, rowNum := range c.rowNums {
				var rowErr *RowError
				if errors.As(c.rowErrs[i], &rowErr) {
					rep.reject(rowNum, rowErr.Column, "", rowErr.Err.Error())
					continue
				}
				if err := c.mapErrs[i]; err != nil {
					raw := ""
					if b.cols.number < len(c.recs[i]) {
						raw = c.recs[i][b.cols.number]
					}
					rep.reject(rowNum, numberColumn, raw, err.Error())
					continue
				}
				rep.accept()
				b.add(cur, rowNum, c.numbers[i], c.recs[i])
				if len(cur.contacts) >= b.h.batch {
					if cur, err = s.emit(cur); err != nil {
						return err
					}
				}
			}
			free <- c
		}
	}
}

// stopped returns why the pipeline stopped: a send error as it is (it
// names its rows), a cancelled ctx with the row the reader had reached.
func (b *fileBatch) stopped(err error, rowNum int) error {
	var sendErr *fileSendError
	if errors.As(err, &sendErr) {
		return sendErr.err
	}
	where := fmt.Sprintf("stopped at row %d", rowNum)
	if rowNum < 0 {
		where = "stopped after the last row, before every batch was sent"
	}
	return fmt.Errorf("handlers: %s %s: %s: %w", events.TypeAudienceFileUploaded, b.eventID, where, err)
}

// fileSendError marks an error of the sender (already classified and
// naming its rows) apart from ctx errors.
type fileSendError struct{ err error }

func (e *fileSendError) Error() string { return e.err.Error() }
func (e *fileSendError) Unwrap() error { return e.err }

// fileBatch is what every batch of one file shares.
type fileBatch struct {
	h       *FileHandler
	ev      *events.AudienceFileUploaded
	group   *events.VariableGroupRef
	cols    columnMap
	eventID string
}

func (b *fileBatch) add(r *fileRows, rowNum int, number string, rec []string) {
	if len(r.contacts) == 0 {
		r.first = rowNum
	}
	r.last = rowNum
	r.contacts = append(r.contacts, chatinc.Contact{Number: number})
	if b.group == nil {
		return
	}
	vals := make(map[string]string, len(b.cols.fields))
	for i, f := range b.cols.fields {
		if j := b.cols.index[i]; j < len(rec) {
			vals[f] = rec[j]
		}
	}
	r.values = append(r.values, chatinc.VariableValues{Number: number, Values: vals})
}

// send adds one batch of contacts to the audience, then their values to
// the variable group.
func (b *fileBatch) send(ctx context.Context, r *fileRows) error {
	if len(r.contacts) == 0 {
		return nil
	}
	a := b.ev.Audience
	if _, err := b.h.client.CreateAudience(ctx, chatinc.Audience{ID: a.ID, Name: nameOr(a.Name, a.ID), Description: a.Description, Contacts: r.contacts}); err != nil {
		return &fileSendError{classify(fmt.Errorf("handlers: %s %s: add %d contacts (rows %d-%d) to audience %q: %w",
			events.TypeAudienceFileUploaded, b.eventID, len(r.contacts), r.first, r.last, a.ID, err))}
	}
	if b.group != nil {
		g := b.group
		if _, err := b.h.client.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: g.ID, Name: nameOr(g.Name, g.ID), Description: g.Description,
			Fields: b.cols.fields, Values: r.values}); err != nil {
			return &fileSendError{classify(fmt.Errorf("handlers: %s %s: upsert %d values (rows %d-%d) of variable group %q: %w",
				events.TypeAudienceFileUploaded, b.eventID, len(r.values), r.first, r.last, g.ID, err))}
		}
	}
	return nil
}
