package sources_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/sources"
)

func TestCSVReader(t *testing.T) {
	cases := []struct {
		name, in string
		header   []string
		rows     [][]string
	}{
		{"comma", "number,first_name\n+27821234567,Thandi\n", []string{"number", "first_name"}, [][]string{{"+27821234567", "Thandi"}}},
		{"bom semicolon", "\ufeffPhone ; Name\n1;a\n2;b\n", []string{"Phone", "Name"}, [][]string{{"1", "a"}, {"2", "b"}}},
		{"tab quoted", "number\tnote\n1\t\"x, \"\"y\"\"\"\n", []string{"number", "note"}, [][]string{{"1", `x, "y"`}}},
		{"crlf", "number,a\r\n1,2\r\n", []string{"number", "a"}, [][]string{{"1", "2"}}},
		{"no trailing newline", "number\n1", []string{"number"}, [][]string{{"1"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := sources.NewCSVReader(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Header(), tc.header) {
				t.Fatalf("header %q, want %q", r.Header(), tc.header)
			}
			if i, ok := r.Index(strings.ToUpper(tc.header[0])); !ok || i != 0 {
				t.Fatalf("case-insensitive Index failed")
			}
			var got [][]string
			for {
				row, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if row.Number != len(got)+2 {
					t.Fatalf("row number %d, want %d", row.Number, len(got)+2)
				}
				got = append(got, slices.Clone(row.Fields))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.rows) {
				t.Fatalf("rows %q, want %q", got, tc.rows)
			}
		})
	}
	if _, err := sources.NewCSVReader(strings.NewReader("")); !errors.Is(err, sources.ErrNoHeader) {
		t.Fatalf("empty file: %v", err)
	}
	r, _ := sources.NewCSVReader(strings.NewReader("number\n\"bad\"quote\n2\n"))
	_, err := r.Next()
	var re *sources.RowError
	if !errors.As(err, &re) || re.Row != 2 {
		t.Fatalf("bad row: %v", err)
	}
	if row, err := r.Next(); err != nil || row.Get(0) != "2" || row.Number != 3 {
		t.Fatalf("reading goes on after a bad row: %v %v", row, err)
	}
}

func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"number,a\n1,2\n", "\ufeffa;b\n\"x;y\";z\n", "a\tb\n", "\"", "x\n\"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := sources.NewCSVReader(strings.NewReader(in))
		if err != nil {
			return
		}
		last := 1
		for range 10000 {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if row.Number != last+1 {
				t.Fatalf("row numbers jump %d -> %d", last, row.Number)
			}
			last = row.Number
		}
	})
}

// bigCSV streams n rows of ~65 bytes each without holding them.
type bigCSV struct {
	n, i int
	buf  []byte
}

func (b *bigCSV) Read(p []byte) (int, error) {
	for len(b.buf) < len(p) && b.i <= b.n {
		if b.i == 0 {
			b.buf = append(b.buf, "number,first_name,last_name,tier,city\n"...)
		} else {
			b.buf = fmt.Appendf(b.buf, "+2782%07d,Firstname%d,Lastname%d,gold,Johannesburg\n", b.i, b.i%1000, b.i%777)
		}
		b.i++
	}
	if len(b.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// BenchmarkCSVDecode1M decodes a 1M-row (~65 MB) CSV and reports rows/s.
func BenchmarkCSVDecode1M(b *testing.B) {
	const rows = 1_000_000
	b.ReportAllocs()
	for range b.N {
		r, err := sources.NewCSVReader(&bigCSV{n: rows})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, err := r.Next(); err != nil {
				break
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
