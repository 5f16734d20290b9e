package caps_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/caps"
)

// BenchmarkRecordAndRecent: one capped run of 10,000 contacts records its
// sends (one KV create each, 32 at a time), then a run reads every counter
// (one watcher pass over the bucket), on an in-process nats-server.
//
//	go test -run '^$' -bench RecordAndRecent -benchtime 3x ./pipeline/caps/
func BenchmarkRecordAndRecent(b *testing.B) {
	const contacts = 10000
	numbers := make([]string, contacts)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("+2782%07d", i)
	}
	kv, _ := bucket(b)
	c := caps.New(kv)
	ctx := context.Background()
	at := time.Now()
	var record, recent time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := c.Record(ctx, fmt.Sprintf("promo.bench.run.%d", i), "bench", numbers, at, time.Hour); err != nil {
			b.Fatal(err)
		}
		record += time.Since(start)
		start = time.Now()
		counts, err := c.Recent(ctx, at.Add(-time.Hour), at.Add(time.Hour), "")
		if err != nil || len(counts) != contacts {
			b.Fatalf("%d counted, %v", len(counts), err)
		}
		recent += time.Since(start)
	}
	b.ReportMetric(float64(contacts*b.N)/record.Seconds(), "records/s")
	b.ReportMetric(recent.Seconds()/float64(b.N), "s/recent")
}
