package sinks_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
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
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cloudHints := []string{"endpoint", "region", "credentials"}
	for _, tc := range []struct {
		name, url string
		want      []string
		not       []string
	}{
		{"unparseable", "s3://bad host/%zz", []string{"does not parse", "SCHEME://BUCKET"}, nil},
		{"unknown scheme", "ftp://warehouse", []string{"ftp://warehouse", `unknown scheme "ftp"`, "azblob, file, gs, s3", "--sink-dir"}, nil},
		{"no scheme", "warehouse", []string{`unknown scheme ""`}, nil},
		{"no bucket", "s3://?region=eu-west-1", []string{"no bucket", "s3://BUCKET"}, nil},
		{"path, not prefix", "gs://bucket/warehouse/", []string{"gs://bucket?prefix=warehouse/"}, nil},
		{"credentials in the URL", "s3://AKIA:" + testSecret + "@warehouse", []string{"credentials do not go in the URL", "AWS_SECRET_ACCESS_KEY", "s3://xxxxx@warehouse"}, nil},
		{"credentials in the endpoint", "s3://warehouse?endpoint=http://AKIA:" + testSecret + "@" + dead + "&use_path_style=true&disable_https=true&region=us-east-1&prefix=wh/",
			[]string{"credentials do not go in the URL", "the endpoint parameter", "endpoint=http://xxxxx@" + dead + "&use_path_style=true", "AWS_SECRET_ACCESS_KEY", "credential chain"}, []string{"AKIA"}},
		{"credentials in an escaped endpoint", "s3://warehouse?endpoint=" + url.QueryEscape("https://AKIA:"+testSecret+"@minio:9000") + "&region=us-east-1",
			[]string{"the endpoint parameter", "endpoint=https://xxxxx@minio:9000"}, []string{"AKIA"}},
		{"credentials in an endpoint without a scheme", "s3://warehouse?endpoint=AKIA:" + testSecret + "@minio:9000",
			[]string{"the endpoint parameter", "endpoint=xxxxx@minio:9000"}, []string{"AKIA"}},
		{"credentials in a gs parameter", "gs://bucket?access_id=http://sa:" + testSecret + "@x", []string{"the access_id parameter", "GOOGLE_APPLICATION_CREDENTIALS"}, nil},
		{"file without a directory", "file://", []string{"no directory", "file:///"}, nil},
		{"file prefix leaving the directory", "file://" + t.TempDir() + "?prefix=../../etc/", []string{`prefix "../../etc/" leaves the directory`}, cloudHints},
		{"file that is not a directory", "file://" + notADir + "/warehouse", []string{"opening the bucket failed", "not a directory", "check that the path is a directory"}, cloudHints},
		{"file with a host", "file://tmp/warehouse", []string{`"tmp" is read as a host`}, nil},
		{"no such bucket", s3.url("nope", ""), []string{"s3://nope", "does not exist", "create it first"}, nil},
		{"unknown parameter with a secret", s3.url("warehouse", "&secret_key="+testSecret), []string{"opening the bucket failed", "secret_key"}, nil},
		{"unreachable endpoint", "s3://warehouse?endpoint=http://" + dead + "&use_path_style=true&disable_https=true&region=us-east-1",
			[]string{"s3://warehouse", dead, "cannot be reached", "endpoint"}, nil},
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
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q says %q", err, n)
				}
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q shows the secret", err)
			}
			if check := sinks.CheckSinkURL(tc.url); (check == nil) != (tc.name == "no such bucket" || tc.name == "unreachable endpoint" ||
				tc.name == "unknown parameter with a secret" || tc.name == "file that is not a directory") {
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
		"azblob://c?sas_token=abc%2Fdef&prefix=w/":       "azblob://c?sas_token=xxxxx&prefix=w/",
		"s3://bucket?endpoint=http://minio:9000&prefix=": "s3://bucket?endpoint=http://minio:9000&prefix=",
		"gs://b?AccessKey=1&Signature=2":                 "gs://b?AccessKey=xxxxx&Signature=xxxxx",
		// a user and password inside a parameter's value, however written
		"s3://b?endpoint=http://AKIA:topsecret@127.0.0.1:24600&region=us-east-1&prefix=wh/": "s3://b?endpoint=http://xxxxx@127.0.0.1:24600&region=us-east-1&prefix=wh/",
		"s3://b?region=eu&endpoint=http%3A%2F%2Fu%3Apw%40h%3A9000":                          "s3://b?region=eu&endpoint=http://xxxxx@h:9000",
		"s3://b?endpoint=u:pw@h:9000":                                                       "s3://b?endpoint=xxxxx@h:9000",
		"s3://k:p@b?endpoint=https://u@h":                                                   "s3://xxxxx@b?endpoint=https://xxxxx@h",
		// an e-mail address is not a credential
		"gs://b?access_id=sa@p.iam.gserviceaccount.com": "gs://b?access_id=sa@p.iam.gserviceaccount.com",
	} {
		if got := sinks.RedactURL(in); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestRedactErrMasksCredentialsInParameters: a driver's error that quotes
// the endpoint (or the user and password in it, escaped or not) shows
// neither the password nor the user beside it (defence in depth: such a
// URL is refused before any driver sees it).
func TestRedactErrMasksCredentialsInParameters(t *testing.T) {
	raw := "s3://b?endpoint=http://AKIA:" + testSecret + "@h:9000&region=us-east-1"
	err := errors.New(`Get "http://AKIA:` + testSecret + `@h:9000/b?list-type=2": dial tcp: refused; url ` + raw +
		"; escaped " + url.QueryEscape("AKIA:"+testSecret) + "; alone " + testSecret)
	got := sinks.RedactErr(err, raw)
	for _, leak := range []string{testSecret, "AKIA:", url.QueryEscape(testSecret)} {
		if strings.Contains(got, leak) {
			t.Errorf("RedactErr shows %q: %s", leak, got)
		}
	}
	if !strings.Contains(got, "http://xxxxx@h:9000/b") || !strings.Contains(got, "s3://b?endpoint=http://xxxxx@h:9000&region=us-east-1") {
		t.Errorf("RedactErr = %s: it should keep the rest", got)
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
