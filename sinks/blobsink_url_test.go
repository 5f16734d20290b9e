package sinks_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
)

// TestBlobSinkRefusesBadURLs: a malformed URL, an unknown scheme, a URL
// without a bucket, with a path instead of a prefix or with credentials, a
// bucket that does not exist and an endpoint nobody answers each give an
// ErrSinkURL that names the URL (secrets masked) and says how to fix it.
func TestBlobSinkRefusesBadURLs(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	b := newBus(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close() // nobody answers there now
	for _, tc := range []struct {
		name, url string
		want      []string
	}{
		{"unparseable", "s3://bad host/%zz", []string{"does not parse", "SCHEME://BUCKET"}},
		{"unknown scheme", "ftp://warehouse", []string{"ftp://warehouse", `unknown scheme "ftp"`, "azblob, file, gs, s3", "--sink-dir"}},
		{"no scheme", "warehouse", []string{`unknown scheme ""`}},
		{"no bucket", "s3://?region=eu-west-1", []string{"no bucket", "s3://BUCKET"}},
		{"path, not prefix", "gs://bucket/warehouse/", []string{"gs://bucket?prefix=warehouse/"}},
		{"credentials in the URL", "s3://AKIA:" + testSecret + "@warehouse", []string{"credentials do not go in the URL", "AWS_SECRET_ACCESS_KEY", "s3://xxxxx@warehouse"}},
		{"file without a directory", "file://", []string{"no directory", "file:///"}},
		{"file with a host", "file://tmp/warehouse", []string{`"tmp" is read as a host`}},
		{"no such bucket", s3.url("nope", ""), []string{"s3://nope", "does not exist", "create it first"}},
		{"unknown parameter with a secret", s3.url("warehouse", "&secret_key="+testSecret), []string{"opening the bucket failed", "secret_key"}},
		{"unreachable endpoint", "s3://warehouse?endpoint=http://" + dead + "&use_path_style=true&disable_https=true&region=us-east-1",
			[]string{"s3://warehouse", dead, "cannot be reached", "endpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sinks.NewBlobSink(context.Background(), b.js, b.top.Leases, b.top.Names,
				sinks.BlobSinkConfig{URL: tc.url, CheckTimeout: 5 * time.Second})
			if err == nil {
				_ = s.Close()
				t.Fatalf("%s accepted", tc.url)
			}
			if !errors.Is(err, sinks.ErrSinkURL) || !strings.HasPrefix(err.Error(), "sinks: ") {
				t.Errorf("error %v is not a sinks: ErrSinkURL", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q shows the secret", err)
			}
			if check := sinks.CheckSinkURL(tc.url); (check == nil) != (tc.name == "no such bucket" || tc.name == "unreachable endpoint" || tc.name == "unknown parameter with a secret") {
				t.Errorf("CheckSinkURL(%s) = %v: it checks all but the bucket itself", tc.url, check)
			}
		})
	}
}

// TestBlobSinkCancelledMidFileRewritesOnRestart: a sink whose context ends
// with rows in open files uploads nothing and naks their messages; the
// next sink on the same output writes every row once.
func TestBlobSinkCancelledMidFileRewritesOnRestart(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	b := newBus(t)
	u := s3.url("warehouse", "")
	bucket := openBucket(t, u)
	msgs := b.publish(t, mix{campaigns: 2, polls: 2, contacts: 5, batchRows: 2, reports: 2})
	first := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, WorkerID: "w", RollAge: time.Hour})
	waitFor(t, "the sink to write every message", func() bool { return first.Pending() == int64(msgs) })
	first.kill(t)
	if o := listObjects(t, bucket); len(o.data)+len(o.records)+len(o.other) != 0 {
		t.Fatalf("a cancelled sink uploaded %v", o)
	}
	second := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, WorkerID: "w", RollAge: 50 * time.Millisecond})
	b.waitAllAcked(t, blobDurable(second.BlobSink))
	second.stop(t)
	o := listObjects(t, bucket)
	checkObjects(t, bucket, o)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readObjects(t, bucket, o.data), want)
}

// TestRedactURL masks passwords and secret-looking query values, however
// they are spelled, and keeps the rest.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"s3://k:p4ss@bucket?region=eu":                   "s3://xxxxx@bucket?region=eu",
		"azblob://c?sas_token=abc%2Fdef&prefix=w/":       "azblob://c?prefix=w%2F&sas_token=xxxxx",
		"s3://bucket?endpoint=http://minio:9000&prefix=": "s3://bucket?endpoint=http://minio:9000&prefix=",
		"gs://b?AccessKey=1&Signature=2":                 "gs://b?AccessKey=xxxxx&Signature=xxxxx",
	} {
		if got := sinks.RedactURL(in); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestSinkSchemesAreBuilt: every scheme the contract names has its driver
// in this binary, and one built without it says so and how.
func TestSinkSchemesAreBuilt(t *testing.T) {
	for _, u := range []string{"s3://bucket?region=eu-west-1", "gs://bucket?prefix=w/", "azblob://container", "file:///var/lib/warehouse"} {
		if err := sinks.CheckSinkURL(u); err != nil {
			t.Errorf("CheckSinkURL(%s): %v", u, err)
		}
	}
	sinks.WithoutDriver(t, "gs")
	err := sinks.CheckSinkURL("gs://bucket")
	if !errors.Is(err, sinks.ErrSinkURL) || !strings.Contains(err.Error(), "gs:// driver is not built into this binary") ||
		!strings.Contains(err.Error(), "-tags campaignflow_nogcs") {
		t.Errorf("without the gs driver: %v", err)
	}
}

// TestBlobSinkRecoversWhenItsConsumerIsDeleted: an operator (or a replica
// that wrongly thinks it leads) deletes the sink's consumer while rows are
// in open files; the sink drops them, recreates its consumer from the
// committed sequence and writes every row once.
func TestBlobSinkRecoversWhenItsConsumerIsDeleted(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	b := newBus(t)
	u := s3.url("warehouse", "")
	bucket := openBucket(t, u)
	b.publish(t, mix{campaigns: 2, polls: 2, contacts: 4, batchRows: 2, reports: 1, tag: "a"})
	sink := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, WorkerID: "w", RollAge: time.Hour})
	waitFor(t, "the sink to hold messages", func() bool { return sink.Pending() > 0 })
	if err := b.js.DeleteConsumer(context.Background(), b.top.Names.ResultsStream, blobDurable(sink.BlobSink)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sink to recreate its consumer", func() bool {
		return b.consumerInfo(t, blobDurable(sink.BlobSink)).Config.Durable != ""
	})
	b.publish(t, mix{reports: 2, tag: "b"})
	msgs := int64(b.lastSeq(t))
	waitFor(t, "the sink to hold every message", func() bool { return sink.Pending() == msgs })
	sink.stop(t)
	o := listObjects(t, bucket)
	checkObjects(t, bucket, o)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readObjects(t, bucket, o.data), want)
}

// TestBlobSinkRetriesWhileTheBucketIsDown: while the object store answers
// 503 the sink's commit retries (nothing acked, nothing lost); once it
// answers again, every row is in exactly one object.
func TestBlobSinkRetriesWhileTheBucketIsDown(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	b := newBus(t)
	u := s3.url("warehouse", "")
	bucket := openBucket(t, u)
	sink := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, WorkerID: "w", RollAge: 50 * time.Millisecond})
	s3.down.Store(true)
	b.publish(t, mix{campaigns: 2, polls: 2, contacts: 4, batchRows: 2, reports: 1})
	waitFor(t, "the sink to try and fail a few times", func() bool { return s3.refused.Load() >= 4 })
	if acked := b.consumerInfo(t, blobDurable(sink.BlobSink)).AckFloor.Stream; acked != 0 {
		t.Fatalf("acked up to %d while the bucket was down", acked)
	}
	s3.down.Store(false)
	b.waitAllAcked(t, blobDurable(sink.BlobSink))
	sink.stop(t)
	o := listObjects(t, bucket)
	checkObjects(t, bucket, o)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readObjects(t, bucket, o.data), want)
}
