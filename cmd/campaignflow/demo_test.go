package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sinks"
)

// TestDemoCompletesAndItsOutputHoldsNoPhoneNumber runs the demo (embedded
// NATS, sandbox, worker, file sink) with info-level JSON logs and checks
// that it completes the loop and that neither its output nor any log line
// holds a contact's full number.
func TestDemoCompletesAndItsOutputHoldsNoPhoneNumber(t *testing.T) {
	var out, logs pipelinetest.SyncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	const contacts = 300
	if err := runDemo(ctx, &out, demoOptions{contacts: contacts, polls: 2, log: log}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"Ingest reports:", "rows  300  accepted  299  rejected 1", "Result snapshots",
		"campaign c_", "Warehouse files", "campaign_snapshots/dt=", "demo complete"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if logs.Len() == 0 {
		t.Fatal("no log lines captured; the check below would prove nothing")
	}
	numbers := []string{"27821234567", "27827654321", "447911123456"}
	for i := 1; i <= contacts; i++ {
		if i%250 != 0 {
			numbers = append(numbers, fmt.Sprintf("2783%03d%04d", i/10000, i%10000))
		}
	}
	all := text + logs.String()
	for _, n := range numbers {
		if strings.Contains(all, n) {
			t.Errorf("the number %s appears in the demo's output or logs", n)
		}
	}
}

// TestDemoFilesHoldTheLastPoll: the files the demo lists (kept with
// --keep) hold every poll it printed, the last one included.
func TestDemoFilesHoldTheLastPoll(t *testing.T) {
	var out pipelinetest.SyncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	const polls = 3
	err := runDemo(ctx, &out, demoOptions{contacts: 20, polls: polls, keep: true, log: slog.New(slog.DiscardHandler)})
	text := out.String()
	_, kept, ok := strings.Cut(text, "\nkept ")
	kept, _, _ = strings.Cut(kept, "\n")
	if ok && strings.Contains(kept, "campaignflow-demo-") {
		t.Cleanup(func() { _ = os.RemoveAll(kept) })
	}
	if err != nil || !ok {
		t.Fatalf("demo: %v\n%s", err, text)
	}
	var listed []string
	for _, line := range strings.Split(text, "\n") {
		if l := strings.TrimSpace(line); strings.HasSuffix(l, ".parquet") && strings.Contains(l, "campaign_snapshots") {
			listed = append(listed, l)
		}
	}
	seen := map[int]bool{}
	for _, f := range listed {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r := parquet.NewGenericReader[sinks.CampaignSnapshot](fh)
		rows := make([]sinks.CampaignSnapshot, r.NumRows())
		if n, err := r.Read(rows); n != len(rows) && err != nil {
			t.Fatalf("%s: read %d rows: %v", f, n, err)
		}
		_ = r.Close()
		_ = fh.Close()
		for _, s := range rows {
			seen[s.Poll] = true
		}
	}
	for p := 1; p <= polls; p++ {
		if !seen[p] {
			t.Errorf("poll %d is in no listed campaign_snapshots file (polls seen %v, files %v)\n%s", p, seen, listed, text)
		}
	}
}
