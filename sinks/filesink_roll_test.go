package sinks_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
)

// TestFileSinkRedeliveryWritesOneRow: with an ack wait shorter than the
// time a file stays open, the server redelivers every message while its
// first copy waits in the open file; the copies are skipped, and after the
// roll each row is in the files once.
func TestFileSinkRedeliveryWritesOneRow(t *testing.T) {
	b := newBus(t)
	msgs := b.publish(t, mix{campaigns: 2, polls: 1, contacts: 6, batchRows: 3, reports: 1})
	dir := t.TempDir()
	clock := newFakeClock()
	sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, WorkerID: "w", RollAge: time.Minute, AckWait: 200 * time.Millisecond},
		sinks.WithClock(clock))
	waitFor(t, "every message to be redelivered at least once", func() bool { return sink.Skipped() >= int64(msgs) })
	if w := scan(t, dir); len(w.final) != 0 {
		t.Fatalf("files committed before the roll: %v", w.final)
	}
	clock.Advance(time.Minute)
	b.waitAllAcked(t, "campaignflow-files-w")
	sink.stop(t)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readFiles(t, dir, scan(t, dir).final), want)
}

// TestFileSinkRollsByAge: files stay open (hidden) while younger than
// RollAge, measured on the sink's clock, and are committed once older.
func TestFileSinkRollsByAge(t *testing.T) {
	b := newBus(t)
	b.publish(t, mix{campaigns: 1, polls: 1, contacts: 2, batchRows: 10, tag: "a"}) // a snapshot and a contact batch
	dir := t.TempDir()
	clock := newFakeClock()
	sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, WorkerID: "w", RollAge: 10 * time.Minute},
		sinks.WithClock(clock))
	durable := "campaignflow-files-w"
	waitFor(t, "the sink to write 2 messages", func() bool { return sink.Pending() == 2 })

	clock.Advance(10*time.Minute - time.Second)
	// One more message: the sink checks the age after writing it.
	b.publish(t, mix{reports: 1, tag: "b"})
	waitFor(t, "the sink to write 3 messages", func() bool { return sink.Pending() == 3 })
	if w := scan(t, dir); len(w.final) != 0 || len(w.hidden) != 3 {
		t.Fatalf("before RollAge: want 3 open hidden files and no final file, got final %v hidden %v", w.final, w.hidden)
	}

	clock.Advance(time.Second)
	b.waitAllAcked(t, durable)
	w := scan(t, dir)
	if len(w.final) != 3 || len(w.hidden) != 0 || sink.Pending() != 0 {
		t.Fatalf("after RollAge: want 3 final files (one per table), got final %v hidden %v", w.final, w.hidden)
	}
	sink.stop(t)
}

// TestFileSinkRollsBySize: with a small RollSize a commit happens as soon
// as the open files reach it, so every file but the last is at least
// RollSize and less than RollSize plus one message's rows (NDJSON sizes are
// exact; Parquet's are an upper-bound estimate, so it only rolls earlier).
func TestFileSinkRollsBySize(t *testing.T) {
	const rollSize = 4096
	for _, format := range []string{sinks.FormatNDJSON, sinks.FormatParquet} {
		t.Run(format, func(t *testing.T) {
			b := newBus(t)
			// Contact outcomes only, 10 rows (< 2 KiB as NDJSON) per message.
			b.publish(t, mix{campaigns: 1, polls: 8, contacts: 50, batchRows: 10})
			dir := t.TempDir()
			clock := newFakeClock() // never advances: no roll by age
			sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: format, WorkerID: "w", RollSize: rollSize},
				sinks.WithClock(clock))
			waitFor(t, "the sink to fetch everything", func() bool {
				info := b.consumerInfo(t, "campaignflow-files-w")
				return info.NumPending == 0 && info.AckFloor.Stream > 0
			})
			sink.stop(t)
			w := scan(t, dir)
			var outcomes []string
			for _, f := range w.final {
				if filepath.Dir(filepath.Dir(f)) == sinks.TableContactOutcomes {
					outcomes = append(outcomes, f)
				}
			}
			if len(outcomes) < 3 {
				t.Fatalf("%d contact outcome files for ~40 KiB at RollSize %d: %v", len(outcomes), rollSize, outcomes)
			}
			if format == sinks.FormatNDJSON {
				for _, f := range outcomes[:len(outcomes)-1] {
					st, err := os.Stat(filepath.Join(dir, f))
					if err != nil {
						t.Fatal(err)
					}
					if st.Size() < rollSize || st.Size() >= rollSize+2048 {
						t.Errorf("%s is %d bytes, want [%d, %d)", f, st.Size(), rollSize, rollSize+2048)
					}
				}
			}
			want, _ := b.streamRows(t)
			assertExactlyOnce(t, readFiles(t, dir, w.final), want)
		})
	}
}
