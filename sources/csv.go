package sources

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gocarina/gocsv"
)

// CSVReader reads a CSV file row by row, in bounded memory: a UTF-8 BOM is
// stripped, the delimiter (, ; or tab) is sniffed from the header line,
// header names are trimmed and matched case-insensitively, fields may be
// quoted. Rows are split by a bounded record reader (CSVLimits) and decoded
// through gocsv's streaming decoder; a bad row (too long, a broken quote,
// the wrong number of fields, not UTF-8) is a *RowError naming its row, and
// reading goes on after it.
type CSVReader struct {
	dec    gocsv.SimpleDecoder
	rec    *recordReader
	header []string
	index  map[string]int
	delim  rune
}

// Row is one data row. Fields is reused by the next call to Next: copy what
// you keep.
type Row struct {
	Number int // 1-based row in the file; the header is row 1
	Fields []string
}

// Get returns the field of column i, or "" when the row is short.
func (r Row) Get(i int) string {
	if i < 0 || i >= len(r.Fields) {
		return ""
	}
	return r.Fields[i]
}

// RowError is a row that could not be read.
type RowError struct {
	Row    int
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("sources: csv row %d, column %q: %v", e.Row, e.Column, e.Err)
	}
	return fmt.Sprintf("sources: csv row %d: %v", e.Row, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// ErrNoHeader is returned for an empty file.
var ErrNoHeader = errors.New("sources: csv has no header row")

// NewCSVReader reads the header of r with the default limits and returns a
// reader positioned on the first data row.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	return NewCSVReaderLimits(r, DefaultCSVLimits())
}

// NewCSVReaderLimits is NewCSVReader with limits (zero fields: defaults).
func NewCSVReaderLimits(r io.Reader, limits CSVLimits) (*CSVReader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	bom, _ := br.Peek(3)
	if bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	delim := ','
	if line, _ := peekLine(br); len(line) > 0 {
		delim = sniffDelimiter(line)
	}
	rec := newRecordReader(br, byte(delim), limits)
	dec := gocsv.NewSimpleDecoderFromCSVReader(rec)
	header, err := dec.GetCSVRow()
	if errors.Is(err, io.EOF) {
		return nil, ErrNoHeader
	}
	var re *RowError
	if errors.As(err, &re) {
		return nil, err
	}
	if err != nil {
		return nil, &RowError{Row: 1, Err: err}
	}
	c := &CSVReader{dec: dec, rec: rec, header: make([]string, len(header)), index: map[string]int{}, delim: delim}
	for i, h := range header {
		h = strings.TrimSpace(h)
		c.header[i] = h
		key := strings.ToLower(h)
		if _, dup := c.index[key]; !dup {
			c.index[key] = i
		}
	}
	rec.fields, rec.names = len(c.header), c.header
	return c, nil
}

// peekLine returns the first line without consuming it (up to the buffer).
func peekLine(br *bufio.Reader) ([]byte, error) {
	for n := 4096; ; n *= 2 {
		b, err := br.Peek(n)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[:i], nil
		}
		if err != nil {
			return b, err
		}
	}
}

func sniffDelimiter(line []byte) rune {
	best, bestN := ',', bytes.Count(line, []byte{','})
	for _, d := range []byte{';', '\t'} {
		if n := bytes.Count(line, []byte{d}); n > bestN {
			best, bestN = rune(d), n
		}
	}
	return best
}

// Header returns the trimmed header names.
func (c *CSVReader) Header() []string { return c.header }

// Index finds a column by name, ignoring case and surrounding space.
func (c *CSVReader) Index(name string) (int, bool) {
	i, ok := c.index[strings.ToLower(strings.TrimSpace(name))]
	return i, ok
}

// Next returns the next row, io.EOF at the end, or a *RowError for a row
// that cannot be parsed (reading may go on after it).
func (c *CSVReader) Next() (Row, error) {
	rec, err := c.dec.GetCSVRow()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Row{}, io.EOF
		}
		var re *RowError
		if !errors.As(err, &re) {
			re = &RowError{Row: c.rec.row, Err: err}
		}
		return Row{Number: re.Row}, re
	}
	return Row{Number: c.rec.row, Fields: rec}, nil
}
