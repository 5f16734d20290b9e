package handlers

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestCSVRowsDelimitersBOMQuotes(t *testing.T) {
	tests := []struct {
		name, in string
		header   []string
		rows     [][]string
	}{
		{"comma", "number,name\n+1,\"a, b\"\n", []string{"number", "name"}, [][]string{{"+1", "a, b"}}},
		{"semicolon bom", "\xEF\xBB\xBFNumber;Name\n1;x\n2;y\n", []string{"Number", "Name"}, [][]string{{"1", "x"}, {"2", "y"}}},
		{"tab", "number\tname\n1\t\"q\"\"t\"\n", []string{"number", "name"}, [][]string{{"1", `q"t`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSVRows(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Header(), tt.header) {
				t.Fatalf("header %q, want %q", r.Header(), tt.header)
			}
			for i, want := range tt.rows {
				got, n, err := r.Next()
				if err != nil || !slices.Equal(got, want) || n != i+2 {
					t.Fatalf("row %d = %q (line %d) %v; want %q", i, got, n, err, want)
				}
			}
			if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("want EOF, got %v", err)
			}
		})
	}
}

// TestCSVRowsWrongFieldCountIsRowError: a short or long row is a bad row
// (reported, never half-read), and the rows after it are read.
func TestCSVRowsWrongFieldCountIsRowError(t *testing.T) {
	r, err := NewCSVRows(strings.NewReader("number,name\n1\n2,b,c\n3,c\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{2, 3} {
		_, n, err := r.Next()
		var re *RowError
		if !errors.As(err, &re) || n != want || !strings.Contains(err.Error(), "wrong number of fields") {
			t.Fatalf("want a field-count RowError at row %d, got %v at %d", want, err, n)
		}
	}
	if row, n, err := r.Next(); err != nil || row[0] != "3" || n != 4 {
		t.Fatalf("row 4 = %q %d %v", row, n, err)
	}
}

func TestCSVRowsBadQuoteIsRowError(t *testing.T) {
	r, err := NewCSVRows(strings.NewReader("number\n\"1\"x\n2\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, n, err := r.Next()
	var re *RowError
	if !errors.As(err, &re) || n != 2 {
		t.Fatalf("want RowError at row 2, got %v at %d", err, n)
	}
	if row, _, err := r.Next(); err != nil || row[0] != "2" {
		t.Fatalf("reading did not go on after a bad row: %q %v", row, err)
	}
}

func TestCSVRowsEmpty(t *testing.T) {
	if _, err := NewCSVRows(strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "header row") {
		t.Fatalf("got %v", err)
	}
}

func FuzzCSVRows(f *testing.F) {
	f.Add("number,name\n+27821234567,x\n")
	f.Add("\xEF\xBB\xBFa;b\n\"x;y\";z\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := NewCSVRows(strings.NewReader(in))
		if err != nil {
			return
		}
		for range 10000 {
			_, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("unexpected error kind %T: %v", err, err)
			}
		}
	})
}
