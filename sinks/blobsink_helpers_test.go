package sinks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/blob"

	"github.com/campaignflow/campaignflow/sinks"
)

// fakeS3 is gofakes3 (in memory) on a loopback HTTP server; s3blob reaches
// it by endpoint, path-style, with static credentials from the environment.
type fakeS3 struct {
	srv     *httptest.Server
	backend *s3mem.Backend
	down    atomic.Bool  // answer every request 503
	refused atomic.Int64 // requests answered 503
}

// testSecret is the fake S3's secret key: no log line may show it.
const testSecret = "s3cr3t-never-logged"

func newFakeS3(t testing.TB, buckets ...string) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	f := &fakeS3{backend: backend}
	s3 := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() {
			f.refused.Add(1)
			http.Error(w, "SlowDown", http.StatusServiceUnavailable)
			return
		}
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "campaignflow-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	return f
}

// url is an s3:// URL of bucket on the fake server; extra is more query.
func (f *fakeS3) url(bucket, extra string) string {
	return "s3://" + bucket + "?endpoint=" + url.QueryEscape(f.srv.URL) + "&use_path_style=true&disable_https=true&region=us-east-1" + extra
}

// openBucket opens a bucket URL for the test's own reads.
func openBucket(t testing.TB, u string) *blob.Bucket {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

var objectName = regexp.MustCompile(`^(campaign_snapshots|contact_outcomes|ingest_reports|send_reports)/dt=\d{4}-\d{2}-\d{2}/part-(\d+)-(\d+)\.(parquet|ndjson)$`)

// objects is what a loader would see in a bucket.
type objects struct {
	data    []string                      // data objects, ordered by table then first sequence
	records map[string]sinks.ObjectCommit // commit records by object
	other   []string                      // anything else
	ranges  map[string][][2]uint64        // sequence ranges by table
}

func listObjects(t testing.TB, b *blob.Bucket) objects {
	t.Helper()
	o := objects{records: map[string]sinks.ObjectCommit{}, ranges: map[string][][2]uint64{}}
	it := b.List(nil)
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(obj.Key, "_commits/") && strings.HasSuffix(obj.Key, ".json"):
			raw, err := b.ReadAll(context.Background(), obj.Key)
			if err != nil {
				t.Fatal(err)
			}
			var rec sinks.ObjectCommit
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatalf("commit record %s: %v", obj.Key, err)
			}
			o.records[rec.Object] = rec
		case objectName.MatchString(obj.Key):
			m := objectName.FindStringSubmatch(obj.Key)
			first, _ := strconv.ParseUint(m[2], 10, 64)
			last, _ := strconv.ParseUint(m[3], 10, 64)
			o.data = append(o.data, obj.Key)
			o.ranges[m[1]] = append(o.ranges[m[1]], [2]uint64{first, last})
		default:
			o.other = append(o.other, obj.Key)
		}
	}
	slices.SortFunc(o.data, func(a, b string) int {
		ma, mb := objectName.FindStringSubmatch(a), objectName.FindStringSubmatch(b)
		if ma[1] != mb[1] {
			return strings.Compare(ma[1], mb[1])
		}
		fa, _ := strconv.ParseUint(ma[2], 10, 64)
		fb, _ := strconv.ParseUint(mb[2], 10, 64)
		return int(fa) - int(fb)
	})
	return o
}

// checkObjects fails unless every data object has a commit record that
// matches it (and no record lacks its object), nothing else is in the
// bucket, and no two objects of a table overlap in sequence range.
func checkObjects(t testing.TB, b *blob.Bucket, o objects) {
	t.Helper()
	if len(o.other) > 0 {
		t.Errorf("unexpected objects: %v", o.other)
	}
	for _, key := range o.data {
		rec, ok := o.records[key]
		if !ok {
			t.Errorf("%s has no commit record", key)
			continue
		}
		attrs, err := b.Attributes(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		if attrs.Size != rec.Bytes || rec.Rows <= 0 || rec.SHA256 == "" {
			t.Errorf("%s: %d bytes, its commit record says %+v", key, attrs.Size, rec)
		}
	}
	for obj := range o.records {
		if !slices.Contains(o.data, obj) {
			t.Errorf("commit record of %s, which is not there", obj)
		}
	}
	for table, rs := range o.ranges {
		slices.SortFunc(rs, func(a, b [2]uint64) int { return int(a[0]) - int(b[0]) })
		for i := 1; i < len(rs); i++ {
			if rs[i][0] <= rs[i-1][1] {
				t.Errorf("%s: objects of ranges %d-%d and %d-%d overlap", table, rs[i-1][0], rs[i-1][1], rs[i][0], rs[i][1])
			}
		}
	}
}

// readObjects downloads objects into a directory and reads them back as
// the file sink's tests read files.
func readObjects(t testing.TB, b *blob.Bucket, keys []string) tables {
	t.Helper()
	dir := t.TempDir()
	for _, k := range keys {
		raw, err := b.ReadAll(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return readFiles(t, dir, keys)
}

// runningBlob is a BlobSink running in a goroutine.
type runningBlob struct {
	*sinks.BlobSink
	*runner
}

func newBlobSink(t testing.TB, b *bus, o sinks.BlobSinkConfig, opts ...sinks.BlobSinkOption) *sinks.BlobSink {
	t.Helper()
	s, err := sinks.NewBlobSink(context.Background(), b.js, b.top.Leases, b.top.Names, o, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startBlobSink(t testing.TB, b *bus, o sinks.BlobSinkConfig, opts ...sinks.BlobSinkOption) *runningBlob {
	t.Helper()
	s := newBlobSink(t, b, o, opts...)
	return &runningBlob{BlobSink: s, runner: startRunner(t, s, "blob sink", 30*time.Second)}
}

func blobDurable(s *sinks.BlobSink) string { return "campaignflow-sink-" + s.Output() }

// sinkStateOrZero is sinkState, or the zero state when there is none yet.
func (b *bus) sinkStateOrZero(t testing.TB, s *sinks.BlobSink) sinks.BlobState {
	t.Helper()
	if _, err := b.top.Leases.Get(context.Background(), "sink."+s.Output()); errors.Is(err, jetstream.ErrKeyNotFound) {
		return sinks.BlobState{}
	}
	return b.sinkState(t, s)
}

// sinkState reads the output's state key.
func (b *bus) sinkState(t testing.TB, s *sinks.BlobSink) sinks.BlobState {
	t.Helper()
	e, err := b.top.Leases.Get(context.Background(), "sink."+s.Output())
	if err != nil {
		t.Fatal(err)
	}
	var st sinks.BlobState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (o objects) String() string { return fmt.Sprintf("data %v, other %v", o.data, o.other) }
