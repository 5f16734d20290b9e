package sinks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/campaignflow/campaignflow/sinks"
)

// BenchmarkBlobSinkVsPlain: 20k campaign snapshots in the results stream,
// written as one Parquet object to the in-process S3 (gofakes3 over
// loopback HTTP) three ways, each iteration on a fresh prefix:
//
//   - sink: a BlobSink from its start until its Shutdown returns (consume,
//     decode, Parquet, upload, commit record, state key, acks);
//   - plain: the plain-library pipeline doing the same work without the
//     guarantees (a nats.go durable consumer fetching, encoding/json,
//     parquet-go into memory, one blob WriteAll, acks);
//   - put: a blob WriteAll of the object the sink wrote (the bytes alone).
//
// It reports each as snapshots/s and the sink's rate as a ratio of each.
func BenchmarkBlobSinkVsPlain(b *testing.B) {
	const n = 20_000
	s3 := newFakeS3(b, "warehouse")
	bus := newBus(b)
	bus.publish(b, mix{campaigns: n / 4, polls: 4})
	ctx := context.Background()
	var sinkT, plainT, putT time.Duration
	b.ResetTimer()
	for i := range b.N {
		u := s3.url("warehouse", fmt.Sprintf("&prefix=sink%d/", i))
		b.StopTimer()
		s := newBlobSink(b, bus, sinks.BlobSinkConfig{URL: u, WorkerID: "bench", RollAge: time.Hour})
		b.StartTimer()
		t0 := time.Now()
		errc := make(chan error, 1)
		go func() { errc <- s.Run(ctx) }()
		poll := time.NewTicker(time.Millisecond) // Eventually's 20 ms would count against the sink
		for deadline := time.Now().Add(time.Minute); s.Pending() != n; <-poll.C {
			if time.Now().After(deadline) {
				b.Fatalf("the sink holds %d of %d snapshots after a minute", s.Pending(), n)
			}
		}
		poll.Stop()
		if err := s.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		sinkT += time.Since(t0)
		b.StopTimer()
		bucket := openBucket(b, u)
		objs := listObjects(b, bucket)
		if len(objs.data) != 1 || s.Written() != n {
			b.Fatalf("sink wrote %v, %d rows", objs, s.Written())
		}
		body, err := bucket.ReadAll(ctx, objs.data[0])
		if err != nil {
			b.Fatal(err)
		}
		plainBucket := openBucket(b, s3.url("warehouse", fmt.Sprintf("&prefix=plain%d/", i)))
		b.StartTimer()

		t0 = time.Now()
		plainPipeline(b, bus, plainBucket, fmt.Sprintf("plain%d", i), n)
		plainT += time.Since(t0)

		t0 = time.Now()
		if err := plainBucket.WriteAll(ctx, "put/"+objs.data[0], body, nil); err != nil {
			b.Fatal(err)
		}
		putT += time.Since(t0)
	}
	b.StopTimer()
	rate := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	b.ReportMetric(rate(sinkT), "sink-snapshots/s")
	b.ReportMetric(rate(plainT), "plain-snapshots/s")
	b.ReportMetric(rate(putT), "put-snapshots/s")
	b.ReportMetric(plainT.Seconds()/sinkT.Seconds(), "sink/plain")
	b.ReportMetric(putT.Seconds()/sinkT.Seconds(), "sink/put")
}

// plainPipeline reads n snapshots with a plain durable consumer, writes
// them as one Parquet file in memory, uploads it and acks.
func plainPipeline(b *testing.B, bus *bus, bucket *blob.Bucket, name string, n int) {
	ctx := context.Background()
	cons, err := bus.js.CreateConsumer(ctx, bus.top.Names.ResultsStream, jetstream.ConsumerConfig{Durable: name,
		AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: bus.top.Names.ResultsFilter(), MaxAckPending: 100000})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[sinks.CampaignSnapshot](&buf, parquet.Compression(&parquet.Zstd))
	var msgs []jetstream.Msg
	row := make([]sinks.CampaignSnapshot, 1)
	for len(msgs) < n {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			b.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := json.Unmarshal(m.Data(), &row[0]); err != nil {
				b.Fatal(err)
			}
			if _, err := w.Write(row); err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, m)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bucket.WriteAll(ctx, "campaign_snapshots/part.parquet", buf.Bytes(), nil); err != nil {
		b.Fatal(err)
	}
	for _, m := range msgs {
		_ = m.Ack()
	}
	if err := bus.js.Conn().Flush(); err != nil {
		b.Fatal(err)
	}
}
