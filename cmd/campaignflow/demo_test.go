package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
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
