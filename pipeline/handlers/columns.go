package handlers

import (
	"fmt"
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/events"
)

// ColumnsError is a column named by the event that the
// CSV header does not have. Key is the event's key that names it
// (columns.number or columns.fields), so that a caller with other names
// for it (campaignflow import's flags) can say those instead.
type ColumnsError struct {
	Key  string
	What string
}

func (e *ColumnsError) Error() string {
	return fmt.Sprintf("handlers: audience-file-uploaded: %s; name it in the event's %s", e.What, e.Key)
}

// columnMap says which CSV column holds the number and which hold fields.
type columnMap struct {
	number int
	fields []string // variable-group field names
	index  []int    // their column indexes
}

// mapColumns resolves the event's columns (else "number" and every other
// column as a field) against the header, case-insensitively.
func mapColumns(header []string, cols *events.Columns) (columnMap, error) {
	find := func(name string) int {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
				return i
			}
		}
		return -1
	}
	numberCol, fields := "number", map[string]string(nil)
	if cols != nil {
		if cols.Number != "" {
			numberCol = cols.Number
		}
		if len(cols.Fields) > 0 {
			fields = cols.Fields
		}
	}
	m := columnMap{number: find(numberCol)}
	if m.number < 0 {
		return m, &ColumnsError{Key: "columns.number", What: fmt.Sprintf("number column %q is not in the CSV header %q", numberCol, header)}
	}
	if fields != nil {
		var missing []string
		for f, col := range sortedPairs(fields) {
			i := find(col)
			if i < 0 {
				missing = append(missing, fmt.Sprintf("%s=%q", f, col))
				continue
			}
			m.fields, m.index = append(m.fields, f), append(m.index, i)
		}
		if len(missing) > 0 {
			return m, &ColumnsError{Key: "columns.fields", What: fmt.Sprintf("columns.fields %s are not in the CSV header %q", strings.Join(missing, ", "), header)}
		}
		return m, nil
	}
	for i, h := range header {
		if i != m.number && h != "" {
			m.fields, m.index = append(m.fields, fieldName(h)), append(m.index, i)
		}
	}
	return m, nil
}

// fieldName turns a header like "First Name" into a field id "first_name".
func fieldName(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteByte('_')
		}
	}
	return b.String()
}
