package sinks_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// TestBlobSinkChild is the blob sink as a separate process, for the crash
// tests below; run directly, it does nothing. With SINK_CRASH_AT set it
// SIGKILLs itself at that step of its first commit; otherwise it runs until
// its parent kills it (or 60s pass).
func TestBlobSinkChild(t *testing.T) {
	c, ok := childSetup(t, "BLOB_SINK_CHILD")
	if !ok {
		return
	}
	names := sources.DefaultNames()
	kv, err := c.js.KeyValue(context.Background(), names.LeasesBucket)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sinks.NewBlobSink(context.Background(), c.js, kv, names, sinks.BlobSinkConfig{
		URL: os.Getenv("SINK_URL"), Format: c.format, WorkerID: "child", RollSize: c.rollSize, RollAge: time.Hour,
	}, sinks.WithBlobCrashHook(c.crash))
	if err != nil {
		t.Fatal(err)
	}
	runChild(t, s.Run)
}

// TestBlobSinkCrashLosesAndDoublesNothing kills the blob sink's process at
// each step of a commit: while it writes (external SIGKILL, after two
// commits), after the commit's range is in the state key, after its first
// object is uploaded, after every object and commit record is there, and
// after the committed sequence moved but before any ack. A sink restarted
// on the same output then ends with every row of the stream in exactly one
// object, the objects of the interrupted commit replaced under the same
// names (never a second object for the same rows), a commit record for each
// object and none without, and nothing pending in the state key.
func TestBlobSinkCrashLosesAndDoublesNothing(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	cases := []struct {
		name, crashAt, format string
		check                 func(t *testing.T, o objects, st sinks.BlobState, acked uint64)
	}{
		{name: "sigkill while writing", format: sinks.FormatParquet},
		{name: "after the intent before any upload", crashAt: "intent", format: sinks.FormatParquet,
			check: func(t *testing.T, o objects, st sinks.BlobState, acked uint64) {
				if len(o.data) != 0 || st.Pending == nil || st.Committed != 0 {
					t.Errorf("want no object and a pending commit, got %v, state %+v", o, st)
				}
			}},
		{name: "after the first upload", crashAt: "uploaded", format: sinks.FormatNDJSON,
			check: func(t *testing.T, o objects, st sinks.BlobState, acked uint64) {
				if len(o.data) != 1 || len(o.records) != 0 || st.Pending == nil {
					t.Errorf("want one object without a record and a pending commit, got %v, state %+v", o, st)
				}
			}},
		{name: "after the commit records before the state moves", crashAt: "recorded", format: sinks.FormatParquet,
			check: func(t *testing.T, o objects, st sinks.BlobState, acked uint64) {
				if len(o.data) == 0 || len(o.records) != len(o.data) || st.Pending == nil || st.Committed != 0 {
					t.Errorf("want objects with records and a pending commit, got %v, state %+v", o, st)
				}
			}},
		{name: "after the state moved before the acks", crashAt: "committed", format: sinks.FormatNDJSON,
			check: func(t *testing.T, o objects, st sinks.BlobState, acked uint64) {
				if len(o.data) == 0 || st.Pending != nil || st.Committed == 0 || acked != 0 {
					t.Errorf("want committed objects and nothing acked, got %v, state %+v, ack floor %d", o, st, acked)
				}
			}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBus(t)
			b.publish(t, mix{campaigns: 4, polls: 3, contacts: 400, batchRows: 50, reports: 3, tag: "x"})
			u := s3.url("warehouse", "&prefix=crash"+strconv.Itoa(i)+"/")
			bucket := openBucket(t, u)
			probe := newBlobSink(t, b, sinks.BlobSinkConfig{URL: u})
			durable := blobDurable(probe)
			_ = probe.Close()

			child := startChild(t, "TestBlobSinkChild", "BLOB_SINK_CHILD=1", "SINK_NATS_URL="+b.url, "SINK_URL="+u,
				"SINK_FORMAT="+tc.format, "SINK_ROLL_SIZE=16384", "SINK_CRASH_AT="+tc.crashAt)
			if tc.crashAt == "" {
				waitFor(t, "the child to commit at least two files", func() bool {
					return b.sinkStateOrZero(t, probe).Committed > 0 && len(listObjects(t, bucket).data) >= 4
				})
				child.kill()
			}
			child.waitKilled(t, tc.crashAt)
			if strings.Contains(child.out.String(), testSecret) {
				t.Errorf("the child's output shows the S3 secret:\n%s", child.out.String())
			}

			crashed := listObjects(t, bucket)
			readObjects(t, bucket, crashed.data) // every object is complete (fails otherwise)
			st := b.sinkStateOrZero(t, probe)
			if tc.check != nil {
				tc.check(t, crashed, st, b.consumerInfo(t, durable).AckFloor.Stream)
			}
			t.Logf("after the crash: %d objects, %d commit records, state %+v", len(crashed.data), len(crashed.records), st)

			sink := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, Format: tc.format, WorkerID: "again", RollSize: 1 << 20, RollAge: 50 * time.Millisecond})
			b.waitAllAcked(t, durable)
			sink.stop(t)
			after := listObjects(t, bucket)
			checkObjects(t, bucket, after)
			if st := b.sinkState(t, sink.BlobSink); st.Pending != nil || st.Committed != b.lastSeq(t) {
				t.Errorf("state after the restart %+v, want committed %d and nothing pending", st, b.lastSeq(t))
			}
			for _, k := range crashed.data {
				if !slices.Contains(after.data, k) {
					t.Errorf("%s (there after the crash) was not written again under its name", k)
				}
			}
			want, _ := b.streamRows(t)
			assertExactlyOnce(t, readObjects(t, bucket, after.data), want)
		})
	}
}
