package bench

import (
	"bufio"
	"fmt"
	"os"
)

// CSVHeader is the header of the generated contact files.
const CSVHeader = "number,first_name,last_name,tier,city,joined\n"

// WriteContactsCSV writes a contacts CSV of rows data rows to path (about 65
// bytes a row: 1M rows is about 65 MB) and returns its size. Numbers are
// South African mobile numbers in national format with spaces ("082 000
// 0001"), all distinct and valid, so the default region (ZA) maps each to
// E.164.
func WriteContactsCSV(path string, rows int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("bench: creating CSV %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	_, _ = w.WriteString(CSVHeader)
	tiers := [...]string{"gold", "silver", "bronze"}
	cities := [...]string{"Johannesburg", "Cape Town", "Durban", "Pretoria"}
	var line []byte
	for i := range rows {
		line = fmt.Appendf(line[:0], "082 %03d %04d,Firstname%d,Lastname%d,%s,%s,2026-%02d-%02d\n",
			i/10000%1000, i%10000, i%1000, i%777, tiers[i%3], cities[i%4], 1+i%12, 1+i%28)
		if _, err := w.Write(line); err != nil {
			_ = f.Close()
			return 0, fmt.Errorf("bench: writing CSV %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return 0, fmt.Errorf("bench: writing CSV %s: %w", path, err)
	}
	st, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("bench: CSV %s: %w", path, err)
	}
	return st.Size(), nil
}

// ContactNumber is the E.164 form of row i's number (0-based data row).
func ContactNumber(i int) string {
	return fmt.Sprintf("+2782%03d%04d", i/10000%1000, i%10000)
}
