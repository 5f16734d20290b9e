package sources

// CSVLimits bound what one CSV row may hold, so that memory stays bounded
// for any file and a broken row is reported at its row, not merged into the
// rest of the file.
type CSVLimits struct {
	MaxFieldBytes int // bytes in one field (csv.max_field_bytes)
	MaxRowBytes   int // bytes in one row, quoted line breaks included (csv.max_row_bytes)
	MaxColumns    int // columns in the header and in any row (csv.max_columns)
}

// DefaultCSVLimits are the limits when none are configured: generous for
// contact lists (a number and some attributes per row), small enough that a
// hostile file costs little memory.
func DefaultCSVLimits() CSVLimits {
	return CSVLimits{MaxFieldBytes: 16 << 10, MaxRowBytes: 64 << 10, MaxColumns: 512}
}

func (l CSVLimits) withDefaults() CSVLimits {
	d := DefaultCSVLimits()
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = d.MaxFieldBytes
	}
	if l.MaxRowBytes <= 0 {
		l.MaxRowBytes = d.MaxRowBytes
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = d.MaxColumns
	}
	return l
}
