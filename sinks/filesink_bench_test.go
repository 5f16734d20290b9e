package sinks_test

import (
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
)

// BenchmarkFileSinkEndToEnd100k: 100k contact outcome rows (200 messages of
// 500) already in the results stream, read by a FileSink with its durable
// consumer and written as Parquet, until every message is acked.
func BenchmarkFileSinkEndToEnd100k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		bus := newBus(b)
		bus.publish(b, mix{campaigns: 1, polls: 20, contacts: 5000, batchRows: 500})
		dir := b.TempDir()
		b.StartTimer()
		start := time.Now()
		sink := startSink(b, bus, sinks.FileSinkConfig{Dir: dir, WorkerID: "bench", RollAge: 200 * time.Millisecond})
		bus.waitAllAcked(b, "campaignflow-files-bench")
		elapsed := time.Since(start)
		sink.stop(b)
		b.ReportMetric(float64(sink.Written())/elapsed.Seconds(), "rows/s")
	}
}
