package sinks_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
)

// TestFileSinkFilesMatchTheStreamRowForRow publishes snapshots, contact
// outcome batches and ingest reports, runs the sink until it has every
// message, stops it (which commits), and reads the files back: every row of
// the stream is in the files, in stream order, with the same values, under
// <table>/dt=<day of the message>/part-<worker>-<seq>.<ext>, and nothing
// hidden is left behind.
func TestFileSinkFilesMatchTheStreamRowForRow(t *testing.T) {
	for _, format := range []string{sinks.FormatParquet, sinks.FormatNDJSON} {
		t.Run(format, func(t *testing.T) {
			b := newBus(t)
			msgs := b.publish(t, mix{campaigns: 3, polls: 2, contacts: 25, batchRows: 10, reports: 4})
			dir := t.TempDir()
			sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: format, WorkerID: "w-1"})
			durable := "campaignflow-files-w_1"
			waitFor(t, "the sink to write every message", func() bool { return sink.Pending() == int64(msgs) })
			if w := scan(t, dir); len(w.final) != 0 {
				t.Fatalf("files committed before the roll: %v", w.final)
			}
			sink.stop(t)

			b.waitAllAcked(t, durable)
			w := scan(t, dir)
			if len(w.hidden) != 0 {
				t.Errorf("hidden files left after a clean stop: %v", w.hidden)
			}
			if len(w.final) != 3 {
				t.Errorf("files %v, want one per table", w.final)
			}
			want, days := b.streamRows(t)
			last := b.lastSeq(t)
			for _, f := range w.final {
				m := finalName.FindStringSubmatch(f)
				if m[2] != "w_1" || m[4] != format || m[3] != itoa(last) {
					t.Errorf("%s: want worker w_1, seq %d (the commit's last), extension %s", f, last, format)
				}
				if !strings.Contains(f, "/dt="+days[1]+"/") {
					t.Errorf("%s: want partition dt=%s (the day the messages were stored)", f, days[1])
				}
			}
			got := readFiles(t, dir, w.final)
			if got.rows() != int(sink.Written()) {
				t.Errorf("Written() = %d, files hold %d rows", sink.Written(), got.rows())
			}
			g, s := normalize(got, format), normalize(want, format)
			diffRows(t, sinks.TableCampaignSnapshots, g.snapshots, s.snapshots)
			diffRows(t, sinks.TableContactOutcomes, g.outcomes, s.outcomes)
			diffRows(t, sinks.TableIngestReports, g.reports, s.reports)
			if len(s.outcomes) != 3*2*25 || len(s.snapshots) != 6 || len(s.reports) != 4 {
				t.Fatalf("stream holds %d/%d/%d rows, the test published 6/150/4", len(s.snapshots), len(s.outcomes), len(s.reports))
			}
		})
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// TestFileSinkShutdownDoesNotWaitForAFetch: Shutdown ends a fetch waiting
// for messages at once (here one that would wait an hour) and commits the
// open files, as the blob sink does.
func TestFileSinkShutdownDoesNotWaitForAFetch(t *testing.T) {
	b := newBus(t)
	msgs := b.publish(t, mix{campaigns: 2, polls: 1, contacts: 3, batchRows: 2, reports: 1})
	dir := t.TempDir()
	sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, WorkerID: "w", RollAge: time.Hour}, sinks.WithFetchWait(time.Hour))
	waitFor(t, "the sink to hold every message (its fetch then waits for more)", func() bool { return sink.Pending() == int64(msgs) })
	sink.stop(t) // fails if Shutdown does not return within 20s
	b.waitAllAcked(t, "campaignflow-files-w")
	want, _ := b.streamRows(t)
	if got := readFiles(t, dir, scan(t, dir).final); got.rows() != want.rows() || int64(got.rows()) != sink.Written() {
		t.Errorf("files hold %d rows (Written %d), the stream %d", got.rows(), sink.Written(), want.rows())
	}
}
