package sinks_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/scheduler"
	"github.com/campaignflow/campaignflow/sinks"
)

// TestBlobSinkOnlyTheLeaseHolderWrites runs two writers for one output,
// each behind its own replica's elector on the leases bucket: only the
// lease holder writes (every commit record names it, the other uploads
// nothing). When the holder releases the lease, the other takes over from
// the committed sequence, and every row is in exactly one object.
func TestBlobSinkOnlyTheLeaseHolderWrites(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	b := newBus(t)
	u := s3.url("warehouse", "")
	bucket := openBucket(t, u)

	type replica struct {
		id     string
		el     *scheduler.Elector
		stop   context.CancelFunc
		done   chan struct{}
		sink   *runningBlob
		closed sync.Once
	}
	start := func(id string) *replica {
		// A follower takes over only after 6 s without a renewal.
		r := &replica{id: id, el: scheduler.NewElector(b.top.Leases, id, 6*time.Second, nil, nil), done: make(chan struct{})}
		ctx, cancel := context.WithCancel(context.Background())
		r.stop = cancel
		go func() { defer close(r.done); r.el.Run(ctx) }()
		r.sink = startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, WorkerID: id, RollAge: 50 * time.Millisecond, LeaderPoll: 20 * time.Millisecond},
			sinks.WithLeader(r.el.Leading))
		return r
	}
	release := func(r *replica) { r.closed.Do(func() { r.stop(); <-r.done }) }
	a := start("a")
	waitFor(t, "replica a to lead", func() bool { return a.el.Leading(context.Background()) })
	c := start("c")
	t.Cleanup(func() {
		a.sink.stop(t)
		c.sink.stop(t)
		release(a)
		release(c)
	})

	b.publish(t, mix{campaigns: 2, polls: 3, contacts: 30, batchRows: 10, reports: 2, tag: "one"})
	durable := blobDurable(a.sink.BlobSink)
	b.waitAllAcked(t, durable)
	first := listObjects(t, bucket)
	for key, rec := range first.records {
		if rec.Writer != "a" {
			t.Errorf("%s written by %s while a held the lease", key, rec.Writer)
		}
	}
	if c.sink.Objects() != 0 || a.sink.Objects() == 0 {
		t.Fatalf("objects uploaded: a %d, c %d; want only a's", a.sink.Objects(), c.sink.Objects())
	}

	release(a) // a's elector stops and deletes its lease: c takes over
	waitFor(t, "replica c to lead", func() bool { return c.el.Leading(context.Background()) })
	b.publish(t, mix{campaigns: 1, polls: 2, contacts: 20, batchRows: 10, reports: 1, tag: "two"})
	b.waitAllAcked(t, durable)
	a.sink.stop(t)
	c.sink.stop(t)

	all := listObjects(t, bucket)
	checkObjects(t, bucket, all)
	for key, rec := range all.records {
		if _, before := first.records[key]; !before && rec.Writer != "c" {
			t.Errorf("%s written by %s after c took the lease", key, rec.Writer)
		}
	}
	if c.sink.Objects() == 0 {
		t.Errorf("c uploaded nothing after taking the lease")
	}
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readObjects(t, bucket, all.data), want)
}

// TestBlobSinkFencesAWriterThatLostTheOutput: a writer whose state key was
// changed by another writer during its commit (it lost the lease and did
// not notice yet) cannot complete the commit: it acks nothing, starts over
// from the state key, and writes the range again under the same names; the
// rows are in exactly one object.
func TestBlobSinkFencesAWriterThatLostTheOutput(t *testing.T) {
	s3 := newFakeS3(t, "warehouse")
	b := newBus(t)
	u := s3.url("warehouse", "")
	bucket := openBucket(t, u)
	b.publish(t, mix{campaigns: 1, polls: 2, contacts: 10, batchRows: 5, reports: 1, tag: "f"})
	var once sync.Once
	fenced := make(chan struct{})
	sink := startBlobSink(t, b, sinks.BlobSinkConfig{URL: u, WorkerID: "w", RollAge: 50 * time.Millisecond},
		sinks.WithBlobCrashHook(func(point string) {
			if point == "intent" {
				once.Do(func() {
					// Another writer's step lands between this writer's intent and its upload.
					e, err := b.top.Leases.Get(context.Background(), "sink."+blobOutput(t, b, u))
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := b.top.Leases.Update(context.Background(), e.Key(), e.Value(), e.Revision()); err != nil {
						t.Error(err)
					}
					close(fenced)
				})
			}
		}))
	b.waitAllAcked(t, blobDurable(sink.BlobSink))
	sink.stop(t)
	select {
	case <-fenced:
	default:
		t.Fatal("the state key was never changed under the writer")
	}
	o := listObjects(t, bucket)
	checkObjects(t, bucket, o)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readObjects(t, bucket, o.data), want)
}

func blobOutput(t testing.TB, b *bus, u string) string {
	s := newBlobSink(t, b, sinks.BlobSinkConfig{URL: u})
	defer s.Close()
	return s.Output()
}
