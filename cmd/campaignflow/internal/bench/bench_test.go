package bench_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/bench"
)

// benchMessages is small so `make bench` stays quick; the CLI runs 200k.
const benchMessages = 20_000

func benchBus(b *testing.B) *bench.Bus {
	b.Helper()
	bus, err := bench.StartBus(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bus.Close() })
	if err := bus.FillEvents(context.Background(), benchMessages); err != nil {
		b.Fatal(err)
	}
	return bus
}

// BenchmarkIngestRaw consumes and acks the stored events with plain nats.go.
func BenchmarkIngestRaw(b *testing.B) {
	bus := benchBus(b)
	var total time.Duration
	for b.Loop() {
		r, err := bus.IngestRaw(context.Background(), benchMessages)
		if err != nil {
			b.Fatal(err)
		}
		total += r.Elapsed
	}
	b.ReportMetric(float64(benchMessages*b.N)/total.Seconds(), "msg/s")
}

// BenchmarkIngestRunner consumes the same events through sources.Consumer
// and pipeline.Runner with a no-op handler.
func BenchmarkIngestRunner(b *testing.B) {
	bus := benchBus(b)
	var total time.Duration
	for b.Loop() {
		r, err := bus.IngestRunner(context.Background(), benchMessages, 16)
		if err != nil {
			b.Fatal(err)
		}
		total += r.Elapsed
	}
	b.ReportMetric(float64(benchMessages*b.N)/total.Seconds(), "msg/s")
}

// BenchmarkCSVEndToEnd loads a 100k-row CSV into the sandbox through
// handlers.ImportCSV and the real client.
func BenchmarkCSVEndToEnd(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "contacts.csv")
	if _, err := bench.WriteContactsCSV(path, rows); err != nil {
		b.Fatal(err)
	}
	_, url := sandboxtest.Start(b, sandbox.Options{})
	c := newClient(b, url)
	var total time.Duration
	i := 0
	for b.Loop() {
		i++
		r, err := bench.LoadProject(context.Background(), c, fmt.Sprint("bench-", i), path)
		if err != nil {
			b.Fatal(err)
		}
		total += r.Elapsed
	}
	b.ReportMetric(float64(rows*b.N)/total.Seconds(), "rows/s")
}

// BenchmarkPublishAsync compares raw nats.go async publishing with
// sinks.Publisher (ids, JSON, bounded pending) on the same server, same run.
func BenchmarkPublishAsync(b *testing.B) {
	bus, err := bench.StartBus(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bus.Close() })
	for b.Loop() {
		raw, ours, err := bench.PublishBoth(context.Background(), bus.JS, 100_000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(raw, "raw-msg/s")
		b.ReportMetric(ours, "publisher-msg/s")
		b.ReportMetric(ours/raw, "ratio")
	}
}
