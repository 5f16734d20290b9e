package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/bench"
)

// execBench runs `campaignflow bench args...` as main would and returns
// stdout and the error.
func execBench(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"bench"}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err != nil {
		t.Logf("stderr: %s", errb.String())
	}
	return out.String(), err
}

// TestBenchCommandsPrintAnchorAndProjectSideBySide runs every subcommand
// with small sizes: each prints both sides, the ratio and a verdict, and
// exits 0 (without --fail-below) whatever the machine's speed.
func TestBenchCommandsPrintAnchorAndProjectSideBySide(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Options{APIKey: "k"})
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"ingest", []string{"ingest", "--messages", "2000", "--concurrency", "8"},
			[]string{"ingest (2000 items each side)", "raw nats.go", "sources.Consumer (concurrency 8) + pipeline.Runner", "msg/s", "project >= 60% of anchor"}},
		{"csv in process", []string{"csv", "--rows", "5000", "--sandbox-process=false", "--dir", t.TempDir()},
			[]string{"csv decode (5000 items each side)", "encoding/csv", "sources.CSVReader", "csv -> chat inc end to end", "handlers.ImportCSV", "rows/s", "peak heap in use", "in this process"}},
		{"client to a running sandbox", []string{"client", "--contacts", "3000", "--chatinc-url", url, "--api-key", "k"},
			[]string{"client add contacts (3000 items each side)", "net/http POST", "chatinc.Client.CreateAudience", "contacts/s", "external"}},
		{"publish", []string{"publish", "--messages", "2000"},
			[]string{"publish results (2000 items each side)", "js.PublishAsync", "sinks.Publisher", "project >= 100,000 msg/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := execBench(t, tt.args...)
			if err != nil {
				t.Fatalf("bench %v: %v\n%s", tt.args, err, out)
			}
			for _, w := range append(tt.want, "anchor", "project", "ratio", "target") {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(out, "PASS") && !strings.Contains(out, "BELOW") {
				t.Errorf("no verdict:\n%s", out)
			}
		})
	}
}

func TestBenchVerdictExitsOneOnlyWithFailBelow(t *testing.T) {
	pass := bench.Result{Name: "a", Pass: true}
	below := bench.Result{Name: "b"}
	tests := []struct {
		name      string
		results   []bench.Result
		failBelow bool
		wantExit  int
		wantOut   string
	}{
		{"all pass", []bench.Result{pass, pass}, true, 0, "all targets met"},
		{"below, reported only", []bench.Result{pass, below}, false, 0, "1 of 2 results below target"},
		{"below with --fail-below", []bench.Result{below}, true, 1, "1 of 1 results below target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := verdict(&out, tt.results, tt.failBelow)
			code := 0
			var ee exitError
			if errors.As(err, &ee) {
				code = ee.code
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantExit || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out.String(), tt.wantExit, tt.wantOut)
			}
		})
	}
}

func TestBenchWithoutASubcommandShowsTheList(t *testing.T) {
	out, err := execBench(t)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"ingest", "csv", "client", "publish"} {
		if !strings.Contains(out, sub) {
			t.Errorf("help lacks %s:\n%s", sub, out)
		}
	}
}

// TestBenchE2ERefusesBadFlags: e2e says what is wrong with a flag before it
// starts anything.
func TestBenchE2ERefusesBadFlags(t *testing.T) {
	for args, want := range map[string]string{
		"--events -5":            "--events -5: give a positive number",
		"--rounds 0":             "--rounds 0: give at least 1 round",
		"--ingest-reports bogus": `--ingest-reports "bogus": give rejected`,
	} {
		_, err := execBench(t, append([]string{"e2e"}, strings.Fields(args)...)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bench e2e %s: %v; want an error saying %q", args, err, want)
		}
	}
}
