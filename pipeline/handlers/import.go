package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sinks"
)

// eventTypeImport is the event_type of the ingest report of a CSV loaded
// with ImportCSV (campaignflow import).
const eventTypeImport = "import"

// ImportOptions describe a CSV loaded straight into Chat Inc, without the
// bus: what audience-file-uploaded does, for `campaignflow import`.
type ImportOptions struct {
	ID            string                   // names the report (its event_id); default "import"
	Audience      events.Audience          // the audience the good rows join (ID required)
	Columns       *events.Columns          // nil: a "number" column and every other column as a field
	VariableGroup *events.VariableGroupRef // nil: contacts only, no variable values
	DefaultRegion string                   // region of numbers without a country code; default "ZA"
	BatchSize     int                      // contacts per Chat Inc call; default 1000
	OnRow         func(row int)            // told each row number read (progress); may be nil
	Logger        *slog.Logger             // default: discard
}

// ImportCSV reads a CSV stream a row at a time and sends the good rows to
// Chat Inc in batches while reading, with the same column mapping, E.164
// conversion and row report as the audience-file-uploaded handler. It
// returns the report (rows accepted, rejected rows with row number, column,
// masked value and reason: the first sinks.MaxReportedRowErrors in full,
// then a count). The error is non-nil when the import stopped (bad header,
// a mapped column missing, Chat Inc refused a batch); the report then has
// no row counts, and OnRow tells how far it got. Batches sent before the
// error stay in Chat Inc (merges by number are idempotent: rerun it).
func ImportCSV(ctx context.Context, client AudienceClient, r io.Reader, o ImportOptions) (sinks.IngestReport, error) {
	if client == nil {
		return sinks.IngestReport{}, errors.New("handlers: ImportCSV needs a Chat Inc client")
	}
	if o.ID == "" {
		o.ID = "import"
	}
	if o.DefaultRegion == "" {
		o.DefaultRegion = "ZA"
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	capture := &reportCapture{}
	csvRows := NewCSVRows
	if o.OnRow != nil {
		csvRows = withProgress(o.OnRow)
	}
	h, err := NewFileHandler(client, capture, WithCSVReader(csvRows), WithBatchSize(o.BatchSize),
		WithDefaultRegion(o.DefaultRegion), WithLogger(o.Logger),
		WithOpener(openerFunc(func(context.Context, events.Source) (io.ReadCloser, error) { return io.NopCloser(r), nil })))
	if err != nil {
		return sinks.IngestReport{}, err
	}
	ev := &events.AudienceFileUploaded{EventID: o.ID, Audience: o.Audience, Source: events.Source{File: "-"},
		Columns: o.Columns, VariableGroup: o.VariableGroup}
	err = h.Handle(ctx, o.ID, ev)
	rep := capture.r
	rep.Schema, rep.EventID, rep.EventType = sinks.SchemaIngestReport, o.ID, eventTypeImport
	if rep.AudienceID == "" {
		rep.AudienceID = o.Audience.ID
	}
	if rep.Rejected == nil {
		rep.Rejected = []sinks.RowError{}
	}
	return rep, err
}

// reportCapture keeps the report instead of publishing it.
type reportCapture struct{ r sinks.IngestReport }

func (c *reportCapture) PublishIngestReport(_ context.Context, r sinks.IngestReport) error {
	c.r = r
	return nil
}

// withProgress is NewCSVRows telling onRow about every row read.
func withProgress(onRow func(row int)) CSVReaderFunc {
	return func(r io.Reader) (CSVRows, error) {
		rows, err := NewCSVRows(r)
		if err != nil {
			return nil, err
		}
		return progressRows{CSVRows: rows, onRow: onRow}, nil
	}
}

// progressRows tells onRow about every row read.
type progressRows struct {
	CSVRows
	onRow func(row int)
}

func (p progressRows) Next() ([]string, int, error) {
	row, n, err := p.CSVRows.Next()
	if !errors.Is(err, io.EOF) {
		p.onRow(n)
	}
	return row, n, err
}
