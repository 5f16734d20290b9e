package handlers

import (
	"errors"
	"fmt"
	"io"

	"github.com/campaignflow/campaignflow/sources"
)

// CSVRows reads a CSV stream one row at a time.
type CSVRows interface {
	// Header is the header row, trimmed, BOM removed.
	Header() []string
	// Next returns the next data row and its 1-based row number in the
	// file (the header is row 1); io.EOF at the end. A malformed row is a
	// *RowError; reading may go on after it.
	Next() (row []string, rowNum int, err error)
}

// CSVReaderFunc opens a CSV stream.
type CSVReaderFunc func(r io.Reader) (CSVRows, error)

// RowError is a malformed CSV row; reading can continue past it.
type RowError struct {
	Row    int
	Column string // "" when the problem is the whole row
	Err    error
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("row %d, column %q: %v", e.Row, e.Column, e.Err)
	}
	return fmt.Sprintf("row %d: %v", e.Row, e.Err)
}
func (e *RowError) Unwrap() error { return e.Err }

// NewCSVRows is the default reader: sources.NewCSVReader (streaming gocsv,
// BOM stripped, ',' ';' or tab sniffed, quoted fields).
func NewCSVRows(r io.Reader) (CSVRows, error) {
	return CSVRowsWithLimits(sources.DefaultCSVLimits())(r)
}

// CSVRowsWithLimits is NewCSVRows with row limits (csv.max_* in the config).
func CSVRowsWithLimits(limits sources.CSVLimits) CSVReaderFunc {
	return func(r io.Reader) (CSVRows, error) { return openCSVRows(r, limits) }
}

func openCSVRows(r io.Reader, limits sources.CSVLimits) (CSVRows, error) {
	cr, err := sources.NewCSVReaderLimits(r, limits)
	if err != nil {
		return nil, fmt.Errorf("handlers: CSV header row (a header row with a number column is required): %w", err)
	}
	return sourceRows{cr}, nil
}

type sourceRows struct{ r *sources.CSVReader }

func (s sourceRows) Header() []string { return s.r.Header() }

func (s sourceRows) Next() ([]string, int, error) {
	row, err := s.r.Next()
	var re *sources.RowError
	if errors.As(err, &re) {
		return nil, re.Row, &RowError{Row: re.Row, Column: re.Column, Err: re.Err}
	}
	return row.Fields, row.Number, err
}
