package sinks_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/sinks"
)

// TestBlobSinkObjectsHoldWhatTheFileSinkWrites publishes snapshots, contact
// outcome batches and ingest reports, runs the file sink into a directory
// and the blob sink into the in-process S3 (and a file:// URL) on the same
// stream, stops both (which commits) and compares: one object per table
// under <table>/dt=<day>/part-1-<last>.<ext>, byte for byte the file the
// file sink wrote, with a commit record naming its range, rows and size;
// the state key says committed up to the stream's last sequence.
func TestBlobSinkObjectsHoldWhatTheFileSinkWrites(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	for _, format := range []string{sinks.FormatParquet, sinks.FormatNDJSON} {
		t.Run(format, func(t *testing.T) {
			b := newBus(t)
			msgs := b.publish(t, mix{campaigns: 3, polls: 2, contacts: 25, batchRows: 10, reports: 4})
			last := b.lastSeq(t)
			dir := t.TempDir()
			files := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: format, WorkerID: "w"})
			waitFor(t, "the file sink to write every message", func() bool { return files.Pending() == int64(msgs) })
			files.stop(t)
			fw := scan(t, dir)
			prefix := "run-" + format + "/"
			urls := map[string]string{
				"s3":   s3.url("warehouse", "&prefix="+prefix),
				"file": "file://" + filepath.ToSlash(t.TempDir()),
			}
			for scheme, u := range urls {
				sink := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, Format: format, WorkerID: "w"})
				waitFor(t, "the blob sink to write every message", func() bool { return sink.Pending() == int64(msgs) })
				sink.stop(t)
				b.waitAllAcked(t, blobDurable(sink.BlobSink))
				if st := b.sinkState(t, sink.BlobSink); st.Committed != last || st.Pending != nil {
					t.Errorf("%s: state %+v, want committed %d and nothing pending", scheme, st, last)
				}
				bucket := openBucket(t, u)
				objs := listObjects(t, bucket)
				checkObjects(t, bucket, objs)
				if len(objs.data) != 3 {
					t.Fatalf("%s: objects %v, want one per table", scheme, objs)
				}
				read := readObjects(t, bucket, objs.data)
				if sink.Objects() != 3 || int(sink.Written()) != read.rows() {
					t.Errorf("%s: Objects() %d, Written() %d", scheme, sink.Objects(), sink.Written())
				}
				for _, key := range objs.data {
					rec := objs.records[key]
					if rec.FirstSeq != 1 || rec.LastSeq != last || rec.Writer != "w" || rec.Format != format {
						t.Errorf("%s: commit record %+v, want range 1-%d by w", key, rec, last)
					}
					want := filepath.Join(dir, strings.Replace(key, "part-1-", "part-w-", 1))
					fileBytes, err := os.ReadFile(want)
					if err != nil {
						t.Fatalf("%s: the file sink wrote %v, not %s: %v", scheme, fw.final, want, err)
					}
					got, err := bucket.ReadAll(context.Background(), key)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, fileBytes) {
						t.Errorf("%s: %s (%d bytes) differs from the file sink's %s (%d bytes)", scheme, key, len(got), want, len(fileBytes))
					}
				}
				if scheme == "file" {
					var sidecars []string
					_ = filepath.WalkDir(strings.TrimPrefix(u, "file://"), func(p string, d os.DirEntry, err error) error {
						if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".attrs") || strings.HasSuffix(p, ".tmp")) {
							sidecars = append(sidecars, p)
						}
						return nil
					})
					if len(sidecars) > 0 {
						t.Errorf("file:// left sidecars or temporaries: %v", sidecars)
					}
				}
			}
			want, _ := b.streamRows(t)
			assertExactlyOnce(t, readObjects(t, openBucket(t, urls["s3"]), listObjects(t, openBucket(t, urls["s3"])).data), want)
		})
	}
}
