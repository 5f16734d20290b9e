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
