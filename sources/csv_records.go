package sources

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Errors of one CSV row (wrapped in a *RowError).
var (
	ErrRowTooLong      = errors.New("row is longer than csv.max_row_bytes")
	ErrFieldTooLong    = errors.New("field is longer than csv.max_field_bytes")
	ErrTooManyColumns  = errors.New("more columns than csv.max_columns")
	ErrFieldCount      = errors.New("wrong number of fields")
	ErrUnclosedQuote   = errors.New(`quoted field is not closed within csv.max_row_bytes or by the end of the file (a stray "?)`)
	ErrBareQuote       = errors.New(`bare " in an unquoted field (quote the field and double the quote: "")`)
	ErrTextAfterQuote  = errors.New(`text after a closing " (double a quote inside a quoted field: "")`)
	ErrInvalidEncoding = errors.New("not valid UTF-8 (save the file as UTF-8)")
)

// recordReader splits a CSV stream into records (RFC 4180, as encoding/csv
// reads it without LazyQuotes) in bounded memory: a physical line longer
// than the row limit is skipped to its end, and a quoted field that is not
// closed within the row limit (or by the end of the file) is reported at the
// row where it opened; reading resumes on the line after that row's first
// line, so a broken quote never swallows the rest of the file. It
// implements gocsv.CSVReader.
type recordReader struct {
	br     *bufio.Reader
	comma  byte
	limits CSVLimits
	// fields is the expected field count (the header's); 0 while reading
	// the header.
	fields int
	names  []string // header names, for errors

	row     int    // records read, bad ones included (the header is 1)
	replay  []byte // lines to read again after a broken quote
	lineBuf []byte // a line longer than the read buffer
	raw     []byte // the physical lines of the record being read
	field   []byte // unescaped field bytes of the record
	ends    []int  // end offset of each field in field
	record  []string
}

func newRecordReader(br *bufio.Reader, comma byte, limits CSVLimits) *recordReader {
	return &recordReader{br: br, comma: comma, limits: limits.withDefaults()}
}

// errDiscarded marks a physical line too long to keep.
var errDiscarded = errors.New("line discarded")

// line returns the next physical line without its line break, from the
// replay buffer first. A line over the row limit is read to its end and
// dropped (errDiscarded).
func (r *recordReader) line() ([]byte, error) {
	if len(r.replay) > 0 {
		i := bytes.IndexByte(r.replay, '\n')
		var l []byte
		if i < 0 {
			l, r.replay = r.replay, nil
		} else {
			l, r.replay = r.replay[:i], r.replay[i+1:]
		}
		return trimCR(l), nil
	}
	chunk, err := r.br.ReadSlice('\n')
	if err == nil { // the common case: the line is in the buffer (valid until the next read)
		if len(chunk) > r.limits.MaxRowBytes+2 {
			return nil, errDiscarded
		}
		return trimCR(chunk[:len(chunk)-1]), nil
	}
	out := r.lineBuf[:0]
	defer func() { r.lineBuf = out[:0] }()
	discard := false
	for first := true; ; first = false {
		if !first {
			chunk, err = r.br.ReadSlice('\n')
		}
		if !discard {
			if len(out)+len(chunk) > r.limits.MaxRowBytes+2 {
				discard, out = true, out[:0]
			} else {
				out = append(out, chunk...)
			}
		}
		switch {
		case err == nil:
			if discard {
				return nil, errDiscarded
			}
			return trimCR(out[:len(out)-1]), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(out) > 0 || discard):
			if discard {
				return nil, errDiscarded
			}
			return trimCR(out), nil
		default:
			return nil, err
		}
	}
}

func trimCR(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\r' {
		return l[:n-1]
	}
	return l
}

// Read returns the next record, a *RowError for a bad row (reading may go
// on), or io.EOF. The slice is reused by the next call.
func (r *recordReader) Read() ([]string, error) {
	for {
		first, err := r.line()
		if errors.Is(err, errDiscarded) {
			r.row++
			return nil, &RowError{Row: r.row, Err: fmt.Errorf("%w (%d bytes)", ErrRowTooLong, r.limits.MaxRowBytes)}
		}
		if err != nil {
			return nil, err
		}
		if len(first) == 0 {
			continue // blank lines are not rows (as encoding/csv reads them)
		}
		r.row++
		return r.parse(first)
	}
}

// ReadAll is part of gocsv.CSVReader; campaignflow reads row by row.
func (r *recordReader) ReadAll() ([][]string, error) {
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, append([]string(nil), rec...))
	}
}

// parse reads the record that starts with line first.
func (r *recordReader) parse(first []byte) ([]string, error) {
	r.raw = append(r.raw[:0], first...)
	r.field, r.ends = r.field[:0], r.ends[:0]
	line := first
	pos := 0 // offset in r.raw of line[0]
	var rowErr error
	col := 0
	fieldStart := 0 // offset in r.field of the current field
parse:
	for {
		if len(line) == 0 || line[0] != '"' {
			// An unquoted field runs to the next comma or the line's end.
			i := bytes.IndexByte(line, r.comma)
			f := line
			if i >= 0 {
				f = line[:i]
			}
			if bytes.IndexByte(f, '"') >= 0 {
				rowErr = ErrBareQuote
				break parse
			}
			r.field = append(r.field, f...)
			if rowErr = r.endField(&col, fieldStart); rowErr != nil {
				break parse
			}
			fieldStart = len(r.field)
			if i < 0 {
				break parse
			}
			line = line[i+1:]
			pos += i + 1
			continue
		}
		// A quoted field: "" is a quote; it ends at a quote followed by a
		// comma or the line's end; it may span lines.
		line = line[1:]
		pos++
		for {
			i := bytes.IndexByte(line, '"')
			if i >= 0 {
				r.field = append(r.field, line[:i]...)
				line = line[i+1:]
				pos += i + 1
				switch {
				case len(line) > 0 && line[0] == '"':
					r.field = append(r.field, '"')
					line = line[1:]
					pos++
				case len(line) > 0 && line[0] == r.comma:
					if rowErr = r.endField(&col, fieldStart); rowErr != nil {
						break parse
					}
					fieldStart = len(r.field)
					line = line[1:]
					pos++
					continue parse
				case len(line) == 0:
					rowErr = r.endField(&col, fieldStart)
					break parse
				default:
					rowErr = ErrTextAfterQuote
					break parse
				}
				continue
			}
			// The line ends inside the quotes: the field goes on.
			r.field = append(r.field, line...)
			r.field = append(r.field, '\n')
			if len(r.field)-fieldStart > r.limits.MaxFieldBytes || len(r.raw) > r.limits.MaxRowBytes {
				return nil, r.broken(first, ErrUnclosedQuote)
			}
			next, err := r.line()
			if err != nil { // end of file (or a line too long) inside the quotes
				return nil, r.broken(first, ErrUnclosedQuote)
			}
			r.raw = append(r.raw, '\n')
			pos = len(r.raw)
			r.raw = append(r.raw, next...)
			line = r.raw[pos:]
		}
	}
	if rowErr != nil {
		return nil, &RowError{Row: r.row, Column: r.columnName(col), Err: rowErr}
	}
	if !utf8.Valid(r.field) {
		return nil, &RowError{Row: r.row, Err: ErrInvalidEncoding}
	}
	if r.fields > 0 && len(r.ends) != r.fields {
		return nil, &RowError{Row: r.row, Err: fmt.Errorf("%w: %d, the header has %d", ErrFieldCount, len(r.ends), r.fields)}
	}
	s := string(r.field)
	r.record = r.record[:0]
	start := 0
	for _, end := range r.ends {
		r.record = append(r.record, s[start:end])
		start = end
	}
	return r.record, nil
}

// endField closes the field that started at fieldStart, checking limits.
func (r *recordReader) endField(col *int, fieldStart int) error {
	if len(r.field)-fieldStart > r.limits.MaxFieldBytes {
		return fmt.Errorf("%w (%d bytes)", ErrFieldTooLong, r.limits.MaxFieldBytes)
	}
	r.ends = append(r.ends, len(r.field))
	*col++
	if *col > r.limits.MaxColumns {
		return fmt.Errorf("%w (%d)", ErrTooManyColumns, r.limits.MaxColumns)
	}
	return nil
}

// broken reports the row that opened at first as broken and queues every
// line read after first to be read again.
func (r *recordReader) broken(first []byte, err error) error {
	rest := r.raw[len(first):]
	if len(rest) > 0 && rest[0] == '\n' {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		r.replay = append(append(append([]byte(nil), rest...), '\n'), r.replay...)
	}
	return &RowError{Row: r.row, Err: err}
}

// columnName names column i (0-based count of fields closed so far) for an
// error, when the header is known.
func (r *recordReader) columnName(closed int) string {
	if closed < len(r.names) {
		return r.names[closed]
	}
	return ""
}
