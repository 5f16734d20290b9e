package sources

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestCSVHostileRows: every kind of bad row is reported at its row (with
// the column where it is known), and the rows after it are read as they are.
func TestCSVHostileRows(t *testing.T) {
	small := CSVLimits{MaxFieldBytes: 20, MaxRowBytes: 64, MaxColumns: 4}
	cases := []struct {
		name, in string
		limits   CSVLimits
		want     []string // "ok:<fields>" or "bad:<row>:<error substring>"
	}{
		{"unterminated quote swallows nothing", "number,name\n1,\"open\n2,b\n3,c\n", small,
			[]string{"bad:2:not closed", "ok:3:2|b", "ok:4:3|c"}},
		{"unterminated quote at the end", "number,name\n1,a\n2,\"open", small,
			[]string{"ok:2:1|a", "bad:3:not closed"}},
		{"quoted line break is one row", "number,note\n1,\"two\nlines\"\n2,x\n", small,
			[]string{"ok:2:1|two\nlines", "ok:3:2|x"}},
		{"too few fields", "number,name\n1\n2,b\n", small, []string{"bad:2:wrong number of fields: 1, the header has 2", "ok:3:2|b"}},
		{"too many fields", "number,name\n1,a,extra\n2,b\n", small, []string{"bad:2:wrong number of fields: 3", "ok:3:2|b"}},
		{"long field", "number,name\n1," + strings.Repeat("x", 21) + "\n2,b\n", small,
			[]string{`bad:2:column "name": field is longer`, "ok:3:2|b"}},
		{"long line", "number,name\n1," + strings.Repeat("x", 500) + "\n2,b\n", small,
			[]string{"bad:2:row is longer", "ok:3:2|b"}},
		{"bare quote", "number,name\n1,a\"b\n2,b\n", small, []string{`bad:2:column "name": bare "`, "ok:3:2|b"}},
		{"text after quote", "number,name\n\"1\"x,a\n2,b\n", small, []string{`bad:2:column "number": text after`, "ok:3:2|b"}},
		{"invalid UTF-8", "number,name\n1,caf\xe9\n2,b\n", small, []string{"bad:2:not valid UTF-8", "ok:3:2|b"}},
		{"crlf and blank lines", "number,name\r\n\r\n1,a\r\n\n2,b\r\n", small, []string{"ok:2:1|a", "ok:3:2|b"}},
		{"escaped quotes", "number,name\n1,\"say \"\"hi\"\"\"\n", small, []string{`ok:2:1|say "hi"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewCSVReaderLimits(strings.NewReader(tc.in), tc.limits)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				row, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				var re *RowError
				switch {
				case errors.As(err, &re):
					got = append(got, fmt.Sprintf("bad:%d:%v", re.Row, strings.TrimPrefix(re.Error(), fmt.Sprintf("sources: csv row %d", re.Row))))
				case err != nil:
					t.Fatal(err)
				default:
					got = append(got, fmt.Sprintf("ok:%d:%s", row.Number, strings.Join(row.Fields, "|")))
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				w := tc.want[i]
				if strings.HasPrefix(w, "bad:") {
					prefix := w[:strings.Index(w[4:], ":")+5]
					if !strings.HasPrefix(got[i], prefix) || !strings.Contains(got[i], w[len(prefix):]) {
						t.Fatalf("row %d: got %q, want %q", i, got[i], w)
					}
				} else if got[i] != w {
					t.Fatalf("row %d: got %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

// TestCSVTooManyColumnsRefusesTheHeader: a header of 100k columns is refused
// at row 1 without building 100k fields.
func TestCSVTooManyColumnsRefusesTheHeader(t *testing.T) {
	in := "number" + strings.Repeat(",c", 100_000) + "\n1\n"
	_, err := NewCSVReaderLimits(strings.NewReader(in), CSVLimits{MaxRowBytes: 1 << 20})
	var re *RowError
	if !errors.As(err, &re) || re.Row != 1 || !errors.Is(err, ErrTooManyColumns) {
		t.Fatalf("err = %v", err)
	}
}

// TestCSVHugeLineIsSkippedInBoundedMemory: a 100 MB line is reported and
// skipped while the reader holds at most about one row.
func TestCSVHugeLineIsSkippedInBoundedMemory(t *testing.T) {
	in := io.MultiReader(strings.NewReader("number,name\n1,a\n2,"), &repeatReader{b: 'x', n: 100 << 20},
		strings.NewReader("\n3,c\n"))
	r, err := NewCSVReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			got = append(got, fmt.Sprintf("bad %d", row.Number))
			continue
		}
		got = append(got, row.Fields[0])
		if c := cap(r.rec.raw) + cap(r.rec.field) + cap(r.rec.replay); c > 1<<20 {
			t.Fatalf("reader holds %d bytes", c)
		}
	}
	if !slices.Equal(got, []string{"1", "bad 3", "3"}) {
		t.Fatalf("rows %q", got)
	}
}

type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = r.b
	}
	r.n -= n
	return n, nil
}

// FuzzCSVRecords: wherever encoding/csv reads a file without error, the
// bounded reader returns the same records; it never panics, and row
// numbers only go up.
func FuzzCSVRecords(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\"x\ny\"\n", "a,b\n\"1\"\"\",2\r\n", "\"", "a\n\"\n1\n", "a;b\n1;2\n", "\n\na,b\n\n1,\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		limits := CSVLimits{MaxFieldBytes: 1 << 20, MaxRowBytes: 1 << 20, MaxColumns: 1 << 20}
		ours := newRecordReader(bufio.NewReader(strings.NewReader(in)), ',', limits)
		var got [][]string
		var gotErr bool
		last := 0
		for range 10_000 {
			rec, err := ours.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if ours.row <= last {
				t.Fatalf("row numbers do not go up: %d after %d", ours.row, last)
			}
			last = ours.row
			if err != nil {
				gotErr = true
				continue
			}
			got = append(got, slices.Clone(rec))
		}
		std := csv.NewReader(strings.NewReader(in))
		std.FieldsPerRecord = -1
		want, err := std.ReadAll()
		if err != nil || gotErr {
			return // the readers may resync differently after a bad row
		}
		for _, rec := range want {
			for _, f := range rec {
				if !utfValid(f) {
					return // we refuse what encoding/csv passes on
				}
			}
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("in %q:\n ours %q\n  std %q", in, got, want)
		}
	})
}

func utfValid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
