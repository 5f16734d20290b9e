package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// runJetStream starts an in-process nats-server with JetStream for one test.
// (sources/natstest.RunJetStream replaces this once it exists.)
func runJetStream(tb testing.TB) string {
	tb.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: tb.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		tb.Fatalf("start nats-server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		tb.Fatal("nats-server not ready")
	}
	tb.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}

// connect opens a client connection (closed at cleanup) and its JetStream.
func connect(tb testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// buckets creates the jobs and leases buckets as the topology would.
func makeBuckets(tb testing.TB, js jetstream.JetStream) (jobs, leases jetstream.KeyValue) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	jobs, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: DefaultBuckets.Jobs, History: 1})
	if err != nil {
		tb.Fatalf("create jobs bucket: %v", err)
	}
	leases, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: DefaultBuckets.Leases, History: 1, LimitMarkerTTL: time.Minute})
	if err != nil {
		tb.Fatalf("create leases bucket: %v", err)
	}
	return jobs, leases
}

// waitFor is pipelinetest.Eventually for a plain condition.
func waitFor(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	pipelinetest.Eventually(tb, d, func() (bool, string) { return cond(), what })
}
