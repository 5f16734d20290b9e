package sinks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// TestFileSinkChild is the file sink as a separate process, for the crash
// tests below; run directly, it does nothing. With SINK_CRASH_AT set it
// SIGKILLs itself at that step of its first commit; otherwise it runs until
// its parent kills it (or 60s pass).
func TestFileSinkChild(t *testing.T) {
	c, ok := childSetup(t, "SINK_CHILD")
	if !ok {
		return
	}
	fs, err := sinks.NewFileSink(c.js, sources.DefaultNames(), sinks.FileSinkConfig{
		Dir: os.Getenv("SINK_DIR"), Format: c.format, WorkerID: "child", RollSize: c.rollSize, RollAge: time.Hour,
	}, sinks.WithCrashHook(c.crash))
	if err != nil {
		t.Fatal(err)
	}
	runChild(t, fs.Run)
}

// TestFileSinkCrashLosesAndDoublesNothing kills the sink process at each
// step of writing and committing: while it writes (external SIGKILL), after
// its files are fsynced under hidden names, after the commit is recorded,
// and after the files got their final names but before any ack (so the
// messages are still unacked on the stream). Each time: no file under a
// final name is partial (each reads back in full), and a sink restarted on
// the same directory ends with every row of the stream exactly once.
func TestFileSinkCrashLosesAndDoublesNothing(t *testing.T) {
	cases := []struct {
		name, crashAt, format string
		check                 func(t *testing.T, w warehouse, acked uint64)
	}{
		{name: "sigkill while writing", format: sinks.FormatParquet},
		{name: "after fsync before the commit record", crashAt: "sealed", format: sinks.FormatParquet,
			check: func(t *testing.T, w warehouse, acked uint64) {
				if len(w.final) != 0 || !hasSuffix(w.hidden, ".ready") {
					t.Errorf("want only hidden .ready files, got final %v hidden %v", w.final, w.hidden)
				}
			}},
		{name: "after the commit record before the renames", crashAt: "recorded", format: sinks.FormatNDJSON,
			check: func(t *testing.T, w warehouse, acked uint64) {
				if len(w.final) != 0 || !hasSuffix(w.hidden, ".json") {
					t.Errorf("want hidden .ready files and a commit record, got final %v hidden %v", w.final, w.hidden)
				}
			}},
		{name: "after the renames before the acks", crashAt: "renamed", format: sinks.FormatNDJSON,
			check: func(t *testing.T, w warehouse, acked uint64) {
				if len(w.final) == 0 || acked != 0 {
					t.Errorf("want final files and nothing acked, got final %v, ack floor %d", w.final, acked)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBus(t)
			b.publish(t, mix{campaigns: 4, polls: 3, contacts: 400, batchRows: 50, reports: 3, tag: "x"})
			dir := t.TempDir()
			child := startChild(t, "TestFileSinkChild", "SINK_CHILD=1", "SINK_NATS_URL="+b.url, "SINK_DIR="+dir,
				"SINK_FORMAT="+tc.format, "SINK_ROLL_SIZE=16384", "SINK_CRASH_AT="+tc.crashAt)
			if tc.crashAt == "" {
				waitFor(t, "the child to commit two files and write a third", func() bool {
					w := scan(t, dir)
					return len(w.final) >= 2 && hasSuffix(w.hidden, ".tmp")
				})
				child.kill()
			}
			child.waitKilled(t, tc.crashAt)

			crashed := scan(t, dir)
			readFiles(t, dir, crashed.final) // every final file is complete (fails otherwise)
			for _, h := range crashed.hidden {
				if base := filepath.Base(h); !strings.HasPrefix(base, ".part-child-") && !strings.HasPrefix(base, ".commit-child-") {
					t.Errorf("unexpected hidden file %s", h)
				}
			}
			if tc.check != nil {
				tc.check(t, crashed, b.consumerInfo(t, "campaignflow-files-child").AckFloor.Stream)
			}
			t.Logf("after the crash: %d final files, %d hidden", len(crashed.final), len(crashed.hidden))

			sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: tc.format, WorkerID: "child", RollAge: 50 * time.Millisecond})
			b.waitAllAcked(t, "campaignflow-files-child")
			sink.stop(t)
			after := scan(t, dir)
			if len(after.hidden) != 0 {
				t.Errorf("hidden files left after restart: %v", after.hidden)
			}
			want, _ := b.streamRows(t)
			got := readFiles(t, dir, after.final)
			assertExactlyOnce(t, got, want)
		})
	}
}

func hasSuffix(files []string, suffix string) bool {
	for _, f := range files {
		if strings.HasSuffix(f, suffix) {
			return true
		}
	}
	return false
}

// assertExactlyOnce checks that every row of the stream is in the files as
// often as in the stream (once per message), and nothing else is.
func assertExactlyOnce(t *testing.T, got, want tables) {
	t.Helper()
	count := map[string]int{}
	tally(count, want, 1)
	tally(count, got, -1)
	bad := 0
	for k, n := range count {
		if n != 0 {
			if bad++; bad <= 5 {
				t.Errorf("%s: %d more times in the stream than in the files", k, n)
			}
		}
	}
	if bad > 0 || got.rows() != want.rows() {
		t.Fatalf("%d rows wrong; files hold %d rows, the stream %d", bad, got.rows(), want.rows())
	}
}

func tally(count map[string]int, tb tables, add int) {
	for _, r := range tb.snapshots {
		count[fmt.Sprint("snapshot ", r.CampaignID, r.RunID, r.Poll)] += add
	}
	for _, r := range tb.outcomes {
		count[fmt.Sprint("outcome ", r.CampaignID, r.RunID, r.Number, r.Status, r.UpdatedAt.UnixMilli())] += add
	}
	for _, r := range tb.reports {
		count[fmt.Sprint("report ", r.EventID)] += add
	}
}
