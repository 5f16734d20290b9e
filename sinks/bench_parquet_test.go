package sinks

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkParquetSink1M writes 1M contact_outcome rows through the sink's
// Parquet table writer (no NATS), 500 rows per call as one message of the
// results stream carries, then fsyncs and seals the file. It reports rows/s
// (time spent in the writer, not making the rows) and the peak heap in use,
// sampled every 50k rows and at the end.
func BenchmarkParquetSink1M(b *testing.B) {
	const total, perMsg = 1_000_000, 500
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	statuses := []string{"sent", "delivered", "read", "failed"}
	msg := make([]any, perMsg)
	dir := b.TempDir()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapInuse
	var peak uint64
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	var size int64
	var elapsed time.Duration // writing only, not making the rows
	b.ResetTimer()
	for i := range b.N {
		tf, err := newTableFile(FormatParquet, TableContactOutcomes, filepath.Join(dir, fmt.Sprint(i)), "bench")
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < total; n += perMsg {
			for j := range msg {
				k := n + j
				msg[j] = ContactOutcome{Schema: SchemaContactOutcome, CampaignID: fmt.Sprintf("c_%011d", k%50), RunID: "r_01",
					Number: fmt.Sprintf("+2782%07d", k), Status: statuses[k%4], Error: map[bool]string{true: "not on WhatsApp"}[k%4 == 3],
					UpdatedAt: base.Add(time.Duration(k) * time.Millisecond)}
			}
			t0 := time.Now()
			if err := tf.write(msg); err != nil {
				b.Fatal(err)
			}
			elapsed += time.Since(t0)
			if n%50_000 == 0 {
				sample()
			}
		}
		sample()
		t0 := time.Now()
		ready, err := tf.finish(fmt.Sprintf("part-bench-%d.parquet", i))
		elapsed += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(ready)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
	}
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(peak-min(peak, baseline))/(1<<20), "peak-over-baseline-MB")
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}
