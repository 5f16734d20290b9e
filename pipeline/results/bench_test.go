package results

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// BenchmarkRunDueIdle measures one RunDue over 2,000 pending plans none of
// which is due (the poller's every-second pass under a busy cron), beside
// the plain nats.go way of reading the same plans: ListKeys, then a Get per
// key.
func BenchmarkRunDueIdle(b *testing.B) {
	const plans = 2000
	fc := clockwork.NewFakeClock()
	e := newEnv(b, 1, fc)
	p, err := NewPoller(e.js, jobsBucket, e.client, streamPublisher{e.js}, WithClock(fc), WithOffsets(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range plans {
		run := e.run
		run.RunID = fmt.Sprintf("r%05d", i)
		if err := p.Schedule(ctx, run); err != nil {
			b.Fatal(err)
		}
	}
	var plain, ours time.Duration
	for b.Loop() {
		start := time.Now()
		lister, err := p.kv.ListKeysFiltered(ctx, PollKeyPrefix+">")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for k := range lister.Keys() {
			if _, err := p.kv.Get(ctx, k); err != nil {
				b.Fatal(err)
			}
			n++
		}
		plain += time.Since(start)
		start = time.Now()
		if ran := p.RunDue(ctx); ran != 0 || n != plans {
			b.Fatalf("ran %d polls, listed %d plans; want 0 and %d", ran, n, plans)
		}
		ours += time.Since(start)
	}
	b.ReportMetric(float64(plain.Milliseconds())/float64(b.N), "plain-ms/pass")
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "rundue-ms/pass")
	b.ReportMetric(plain.Seconds()/ours.Seconds(), "speedup")
}
