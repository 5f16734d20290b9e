package handlers

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/e164"
)

func benchCSV(rows int) string {
	var b strings.Builder
	b.WriteString("number,first_name,tier\n")
	for i := range rows {
		fmt.Fprintf(&b, "082%07d,Name %d,gold\n", i, i)
	}
	return b.String()
}

// BenchmarkCSVRowsAndE164 measures the streaming read plus E.164 mapping of
// rows (no network); reports rows/s.
func BenchmarkCSVRowsAndE164(b *testing.B) {
	data := benchCSV(100_000)
	m := e164.Mapper{DefaultRegion: "ZA"}
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		r, err := NewCSVRows(strings.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if _, err := m.E164(rec[0]); err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkMapNumbers measures the E.164 mappers' work on one chunk of
// 1000 rows, beside calling Mapper.E164 row by row; reports rows/s.
func BenchmarkMapNumbers(b *testing.B) {
	m := e164.Mapper{DefaultRegion: "ZA"}
	c := &fileChunk{}
	c.reset()
	for i := range 1000 {
		c.add(i+2, []string{fmt.Sprintf("082%07d", i), "Name", "gold"}, nil)
	}
	b.Run("plain E164 per row", func(b *testing.B) {
		b.ReportAllocs()
		numbers := make([]string, 0, len(c.recs))
		for b.Loop() {
			numbers = numbers[:0]
			for _, rec := range c.recs {
				n, err := m.E164(rec[0])
				if err != nil {
					b.Fatal(err)
				}
				numbers = append(numbers, n)
			}
		}
		b.ReportMetric(float64(b.N*len(c.recs))/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("mapNumbers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.numbers, c.mapErrs, c.ready = c.numbers[:0], c.mapErrs[:0], make(chan struct{})
			c.mapNumbers(m, 0)
			if c.mapErrs[999] != nil || c.numbers[999] != "+27820000999" {
				b.Fatal(c.numbers[999], c.mapErrs[999])
			}
		}
		b.ReportMetric(float64(b.N*len(c.recs))/b.Elapsed().Seconds(), "rows/s")
	})
}
