package sinks_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// TestFileSinkCancelledMidFileRewritesOnRestart: a sink whose context ends
// with rows in open files deletes them and naks their messages; the next
// sink on the same directory writes every row once.
func TestFileSinkCancelledMidFileRewritesOnRestart(t *testing.T) {
	b := newBus(t)
	msgs := b.publish(t, mix{campaigns: 2, polls: 2, contacts: 5, batchRows: 2, reports: 2})
	dir := t.TempDir()
	fs, err := sinks.NewFileSink(b.js, b.top.Names, sinks.FileSinkConfig{Dir: dir, WorkerID: "w", RollAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- fs.Run(ctx) }()
	waitFor(t, "the sink to write every message", func() bool { return fs.Pending() == int64(msgs) })
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if w := scan(t, dir); len(w.final)+len(w.hidden) != 0 {
		t.Fatalf("a cancelled sink left files: final %v hidden %v", w.final, w.hidden)
	}

	sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, WorkerID: "w", RollAge: 50 * time.Millisecond})
	b.waitAllAcked(t, "campaignflow-files-w")
	sink.stop(t)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readFiles(t, dir, scan(t, dir).final), want)
}

// TestFileSinkResumesAfterLoaderMovedFiles: a warehouse loader may move
// committed files away; a restarted sink then resumes after its consumer's
// ack floor and exports only the new messages. Another worker's temporary
// files in the same directory are left alone.
func TestFileSinkResumesAfterLoaderMovedFiles(t *testing.T) {
	b := newBus(t)
	b.publish(t, mix{campaigns: 1, polls: 2, contacts: 3, batchRows: 3, tag: "old"})
	dir := t.TempDir()
	first := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: sinks.FormatNDJSON, WorkerID: "w", RollAge: 50 * time.Millisecond})
	b.waitAllAcked(t, "campaignflow-files-w")
	first.stop(t)
	oldLast := b.lastSeq(t)
	for _, f := range scan(t, dir).final {
		if err := os.Remove(filepath.Join(dir, f)); err != nil { // the loader took it
			t.Fatal(err)
		}
	}
	other := filepath.Join(dir, sinks.TableContactOutcomes, "dt=2026-11-27", ".part-other-123.tmp")
	if err := os.MkdirAll(filepath.Dir(other), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	b.publish(t, mix{reports: 2, tag: "new"})
	second := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: sinks.FormatNDJSON, WorkerID: "w", RollAge: 50 * time.Millisecond})
	b.waitAllAcked(t, "campaignflow-files-w")
	second.stop(t)
	w := scan(t, dir)
	got := readFiles(t, dir, w.final)
	if got.rows() != 2 || len(got.reports) != 2 || !strings.HasPrefix(got.reports[0].EventID, "seg-new") {
		t.Fatalf("after the loader moved the files: %d rows (%+v), want only the 2 new ingest reports", got.rows(), got.reports)
	}
	for _, f := range w.final {
		if m := finalName.FindStringSubmatch(f); m[3] == itoa(oldLast) {
			t.Errorf("%s: an old commit was exported again", f)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another worker's temporary file was touched: %v", err)
	}
}

// TestNewFileSinkRejectsBadOptions names what to fix.
func TestNewFileSinkRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    sinks.FileSinkConfig
		want string
	}{
		{"no directory", sinks.FileSinkConfig{}, "--sink-dir"},
		{"unknown format", sinks.FileSinkConfig{Dir: t.TempDir(), Format: "csv"}, `"csv" must be parquet or ndjson`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sinks.NewFileSink(nil, sources.DefaultNames(), tc.o)
			if err == nil || !strings.HasPrefix(err.Error(), "sinks: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one starting with \"sinks: \" and naming %s", err, tc.want)
			}
		})
	}
}

// TestFileSinkRecoversWhenItsConsumerIsDeleted: an operator deletes the
// file sink's consumer while rows are in open files; the sink drops them,
// recreates its consumer after the last committed file and writes every
// row once.
func TestFileSinkRecoversWhenItsConsumerIsDeleted(t *testing.T) {
	b := newBus(t)
	b.publish(t, mix{campaigns: 2, polls: 2, contacts: 4, batchRows: 2, reports: 1, tag: "a"})
	dir := t.TempDir()
	logs := &pipelinetest.SyncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("sink log:\n%s", logs)
		}
	})
	sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, WorkerID: "w", RollAge: time.Hour},
		sinks.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	waitFor(t, "the sink to hold messages", func() bool { return sink.Pending() > 0 })
	if err := b.js.DeleteConsumer(context.Background(), b.top.Names.ResultsStream, "campaignflow-files-w"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sink to recreate its consumer", func() bool {
		return b.consumerInfo(t, "campaignflow-files-w").Config.Durable != ""
	})
	b.publish(t, mix{reports: 2, tag: "b"})
	msgs := int64(b.lastSeq(t))
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		return sink.Pending() == msgs, fmt.Sprintf("the sink to hold every message: %d of %d", sink.Pending(), msgs)
	})
	sink.stop(t)
	want, _ := b.streamRows(t)
	assertExactlyOnce(t, readFiles(t, dir, scan(t, dir).final), want)
}
