package sandbox

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// rowError is one rejected row of an uploaded CSV.
type rowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Error  string `json:"error"`
}

// csvUpload is what a multipart upload carried: form fields and parsed rows.
type csvUpload struct {
	form     map[string]string
	fields   []string            // columns other than number
	rows     []string            // normalised numbers, in file order
	values   []map[string]string // per row, when fields exist
	rejected []rowError
	rejCount int
	total    int
}

// readUpload streams a multipart body: form values and one "file" part,
// decoded row by row (the file itself is never held in memory).
func readUpload(w http.ResponseWriter, r *http.Request, withValues bool, maxBytes int64) (*csvUpload, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, errValidation("Content-Type must be multipart/form-data with a file part named \"file\"")
	}
	if r.ContentLength > maxBytes {
		return nil, errTooLarge("CSV upload of %d bytes exceeds %d bytes; split the file", r.ContentLength, maxBytes)
	}
	// The cap wraps the body before the multipart reader takes it.
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errValidation("multipart: %v", err)
	}
	up := &csvUpload{form: map[string]string{}}
	sawFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		name := part.FormName()
		if name == "file" {
			sawFile = true
			if err := up.readCSV(part, withValues); err != nil {
				return nil, err
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil {
			return nil, uploadReadError(err)
		}
		up.form[name] = strings.TrimSpace(string(b))
	}
	if !sawFile {
		return nil, errValidation("file is required (a multipart part named \"file\" holding the CSV)")
	}
	return up, nil
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge("CSV upload exceeds %d bytes; split the file", mbe.Limit)
	}
	return errValidation("reading upload: %v", err)
}

// readCSV decodes the file part: header row required, a "number" column
// required (case-insensitive), delimiter sniffed from the header line.
func (up *csvUpload) readCSV(r io.Reader, withValues bool) error {
	cr, header, err := newCSVReader(r)
	if err != nil {
		return err
	}
	numCol := -1
	for i, h := range header {
		if strings.EqualFold(h, "number") {
			numCol = i
		} else if withValues {
			up.fields = append(up.fields, h)
		}
	}
	if numCol < 0 {
		return errValidation("file: a column named \"number\" is required (header: %v)", header)
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		up.total++
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return uploadReadError(err)
			}
			up.reject(row, "", err.Error())
			continue
		}
		if numCol >= len(rec) {
			up.reject(row, "number", "missing value")
			continue
		}
		n, err := normalizeNumber(rec[numCol])
		if err != nil {
			up.reject(row, "number", err.Error())
			continue
		}
		up.rows = append(up.rows, n)
		if withValues {
			vals := make(map[string]string, len(up.fields))
			j := 0
			for i, v := range rec {
				if i == numCol {
					continue
				}
				if j < len(up.fields) {
					vals[up.fields[j]] = v
				}
				j++
			}
			up.values = append(up.values, vals)
		}
	}
}

func (up *csvUpload) reject(row int, col, msg string) {
	up.rejCount++
	if len(up.rejected) < maxRejectedRowsListed {
		up.rejected = append(up.rejected, rowError{Row: row, Column: col, Error: msg})
	}
}

// newCSVReader reads the header line, strips a UTF-8 BOM, sniffs the
// delimiter among , ; and tab, and returns a reader positioned after it.
func newCSVReader(r io.Reader) (*csv.Reader, []string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	line, err := br.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, uploadReadError(err)
	}
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, nil, errValidation("file: header row required (the file is empty or starts with a blank line)")
	}
	delim := sniffDelimiter(line)
	hr := csv.NewReader(bytes.NewReader(line))
	hr.Comma = delim
	header, err := hr.Read()
	if err != nil {
		return nil, nil, errValidation("file: header row: %v", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr, header, nil
}

func sniffDelimiter(line []byte) rune {
	best, bestN := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(line, []byte(string(d))); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func (s *Server) handleAudienceFromFile(w http.ResponseWriter, r *http.Request) error {
	up, err := readUpload(w, r, false, s.opts.MaxUploadBytes)
	if err != nil {
		return err
	}
	id, name := up.form["id"], up.form["name"]
	if id == "" || name == "" {
		return errValidation("id and name are required form fields (got id=%q name=%q)", id, name)
	}
	s.mu.Lock()
	a, added, err := s.mergeAudienceLocked(id, name, "", up.rows)
	total := 0
	if a != nil {
		total = len(a.order)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "id": id, "name": name, "added": added, "total": total,
		"rows": up.total, "rejected": nonNil(up.rejected), "rejectedCount": up.rejCount})
	return nil
}

func (s *Server) handleVariableGroupFromFile(w http.ResponseWriter, r *http.Request) error {
	up, err := readUpload(w, r, true, s.opts.MaxUploadBytes)
	if err != nil {
		return err
	}
	id, name, audID := up.form["id"], up.form["name"], up.form["audienceId"]
	if id == "" || name == "" || audID == "" {
		return errValidation("id, name and audienceId are required form fields (got id=%q name=%q audienceId=%q)", id, name, audID)
	}
	for _, f := range up.fields {
		if !identRE.MatchString(f) {
			return errValidation("file: column %q cannot be a variable name (letters, digits, _ or -)", f)
		}
	}
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok {
		g = &varGroup{ID: id, values: map[string]map[string]string{}}
		s.groups[id] = g
		s.grpOrder = append(s.grpOrder, id)
	}
	g.Name = name
	g.addFields(up.fields)
	added := 0
	for i, n := range up.rows {
		added += g.upsert(n, up.values[i])
	}
	aname := audID
	if a, ok := s.audiences[audID]; ok {
		aname = a.Name
	}
	_, _, _ = s.mergeAudienceLocked(audID, aname, "", up.rows)
	total := len(g.values)
	fields := append([]string(nil), g.Fields...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "id": id, "name": name, "fields": fields, "added": added,
		"total": total, "rows": up.total, "rejected": nonNil(up.rejected), "rejectedCount": up.rejCount})
	return nil
}

func nonNil(r []rowError) []rowError {
	if r == nil {
		return []rowError{}
	}
	return r
}
