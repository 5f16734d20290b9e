package caps_test

import (
	"context"
	"fmt"
	"sync"
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

// BenchmarkReserveConcurrent: 8 capped runs of 1,250 contacts each (10,000
// sends) reserve at once (the caps lock makes them one at a time: read,
// decide, record), beside the path before the lock: each run reads the
// counters (Recent) and records its sends (Record) at once with the others,
// which cannot keep a cap across concurrent runs.
//
//	go test -run '^$' -bench ReserveConcurrent -benchtime 3x ./pipeline/caps/
func BenchmarkReserveConcurrent(b *testing.B) {
	const runs, contacts = 8, 1250
	for _, mode := range []string{"reserve", "unlocked"} {
		b.Run(mode, func(b *testing.B) {
			kv, _ := bucket(b)
			c := caps.New(kv)
			ctx := context.Background()
			at := time.Now()
			for i := 0; b.Loop(); i++ {
				var wg sync.WaitGroup
				errs := make([]error, runs)
				for r := range runs {
					numbers := make([]string, contacts)
					for j := range numbers {
						numbers[j] = fmt.Sprintf("+2782%07d", (i*runs+r)*contacts+j)
					}
					key := fmt.Sprintf("promo.bench%d.run.%d", r, i)
					wg.Go(func() {
						if mode == "unlocked" {
							_, err := c.Recent(ctx, at.Add(-time.Hour), at.Add(time.Hour), key)
							if err == nil {
								err = c.Record(ctx, key, "bench", numbers, at, time.Hour)
							}
							errs[r] = err
							return
						}
						res, err := c.Reserve(ctx, caps.Request{RunKey: key, PromoID: "bench", Numbers: numbers, At: at, Max: 1, Per: time.Hour})
						if err == nil {
							err = res.Made(ctx)
							res.End(ctx)
						}
						errs[r] = err
					})
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(runs*contacts*b.N)/b.Elapsed().Seconds(), "sends/s")
		})
	}
}
