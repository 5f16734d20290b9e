package worker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sinks"
)

const fakeS3Secret = "s3cr3t-of-the-worker-test"

// fakeS3URL starts gofakes3 on loopback with bucket "warehouse" and returns
// an s3:// URL of bucket (prefix cf/) for s3blob, with static credentials
// in the environment.
func fakeS3URL(t *testing.T, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("warehouse"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "campaignflow-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", fakeS3Secret)
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	return "s3://" + bucket + "?endpoint=" + url.QueryEscape(srv.URL) + "&use_path_style=true&disable_https=true&region=us-east-1&prefix=cf/"
}

// TestWorkerWritesWarehouseObjects: with sinks.url the worker (its elector's
// lease holder) writes a published snapshot into the bucket as a Parquet
// object with its commit record, and its log never shows the S3 secret.
func TestWorkerWritesWarehouseObjects(t *testing.T) {
	u := fakeS3URL(t, "warehouse")
	e := newEnv(t, func(c *config.Config, _ *sandbox.Options) { c.Sinks.URL, c.Sinks.RollAge = u, 100*time.Millisecond })
	publishSnapshot(t, e)
	var keys []string
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		keys = bucketKeys(t, u)
		return len(keys) == 2, "a snapshot object and its commit record in the bucket"
	})
	if !strings.HasPrefix(keys[0], "_commits/campaign_snapshots/dt=") || !strings.HasPrefix(keys[1], "campaign_snapshots/dt=") ||
		!strings.HasSuffix(keys[1], ".parquet") {
		t.Errorf("objects %v, want campaign_snapshots/dt=.../part-F-L.parquet and its _commits/ record", keys)
	}
	e.stop()
	logs := e.logs.String()
	if strings.Contains(logs, fakeS3Secret) {
		t.Errorf("the worker's log shows the S3 secret")
	}
	if !strings.Contains(logs, "blob sink: objects committed") {
		t.Errorf("no commit in the worker's log:\n%s", logs)
	}
}

// TestWorkerCommitsWarehouseObjectsAtShutdown: a snapshot in an open file
// (roll age 1h) is uploaded when the worker stops (the sink stops first,
// while this replica still holds the lease the scheduler then releases).
func TestWorkerCommitsWarehouseObjectsAtShutdown(t *testing.T) {
	u := fakeS3URL(t, "warehouse")
	e := newEnv(t, func(c *config.Config, _ *sandbox.Options) { c.Sinks.URL, c.Sinks.RollAge = u, time.Hour })
	publishSnapshot(t, e)
	ctx := context.Background()
	results, err := e.js.Stream(ctx, e.cfg.Names.ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		for c := range results.ListConsumers(ctx).Info() {
			if strings.HasPrefix(c.Name, "campaignflow-sink-") && c.NumAckPending == 1 {
				return true, ""
			}
		}
		return false, "the blob sink to hold the snapshot"
	})
	if keys := bucketKeys(t, u); len(keys) != 0 {
		t.Fatalf("objects before the roll: %v", keys)
	}
	e.stop()
	if keys := bucketKeys(t, u); len(keys) != 2 {
		t.Fatalf("objects after the worker stopped: %v, want the snapshot's and its commit record", keys)
	}
}

// TestWorkerRefusesCredentialsInTheSinkURL: a password inside the s3
// endpoint parameter stops the worker's start (before any request) with an
// error that masks it and says where credentials go; neither the error nor
// the log shows it.
func TestWorkerRefusesCredentialsInTheSinkURL(t *testing.T) {
	e := newEnv(t)
	e.stop()
	e.cfg.Sinks.URL = "s3://tbucket?endpoint=http://AKIA:" + fakeS3Secret + "@127.0.0.1:9&use_path_style=true&disable_https=true&region=us-east-1&prefix=wh/"
	logs := &pipelinetest.SyncBuffer{}
	err := startFails(t, e, slog.New(slog.NewJSONHandler(logs, nil)), "credentials in the endpoint")
	for _, want := range []string{"--sink-url / sinks.url", "endpoint=http://xxxxx@127.0.0.1:9&", "credentials do not go in the URL", "AWS_SECRET_ACCESS_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if out := err.Error() + logs.String(); strings.Contains(out, fakeS3Secret) || strings.Contains(out, "AKIA") {
		t.Errorf("the error or the log shows the credentials:\n%s\n%s", err, logs)
	}
}

func publishSnapshot(t *testing.T, e *env) {
	t.Helper()
	pub := sinks.NewPublisher(e.js, e.cfg.Names)
	s := sinks.CampaignSnapshot{CampaignID: "c_1", Title: "Black Friday", RunID: "r_1", Poll: 1, TakenAt: time.Now().UTC(), Sent: 10, Delivered: 9}
	s.Rates()
	ctx := context.Background()
	if err := pub.PublishSnapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// bucketKeys lists every object of the bucket URL u.
func bucketKeys(t *testing.T, u string) []string {
	t.Helper()
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var keys []string
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
}

// TestWorkerRefusesAMissingBucket: a sinks.url whose bucket does not exist
// stops the worker's start with an error naming the key, the URL and the fix.
func TestWorkerRefusesAMissingBucket(t *testing.T) {
	u := fakeS3URL(t, "nope")
	e := newEnv(t)
	e.stop()
	e.cfg.Sinks.URL = u
	err := startFails(t, e, slog.New(slog.DiscardHandler), "a missing bucket")
	for _, want := range []string{"--sink-url / sinks.url", "s3://nope", "does not exist", "create it first"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// startFails starts a worker on e's config and returns why it did not
// start; it fails the test if it did (with what, for the message).
func startFails(t *testing.T, e *env, log *slog.Logger, with string) error {
	t.Helper()
	w, err := worker.New(e.cfg, worker.WithLogger(log), worker.WithRandomPorts())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = w.Start(ctx)
	if err == nil {
		_ = w.Shutdown(ctx)
		t.Fatalf("the worker started with %s", with)
	}
	return err
}
