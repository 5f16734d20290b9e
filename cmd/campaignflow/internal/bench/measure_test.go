package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/bench"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newClient(tb testing.TB, url string) *chatinc.Client {
	tb.Helper()
	c, err := chatinc.New(url, "k", chatinc.WithRateLimit(rate.Inf, 0))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// sane checks what every result must hold: both sides measured, the count
// and the target stated, and the verdict matching the target's rule.
func sane(t *testing.T, r bench.Result, count int) {
	t.Helper()
	if r.Anchor.Rate <= 0 || r.Project.Rate <= 0 || r.Ratio() <= 0 {
		t.Errorf("%s: anchor %v, project %v, ratio %v; want all > 0", r.Name, r.Anchor.Rate, r.Project.Rate, r.Ratio())
	}
	if r.Count != count {
		t.Errorf("%s: count %d, want %d", r.Name, r.Count, count)
	}
	if r.Target == "" || r.Anchor.Label == "" || r.Project.Label == "" || r.Unit == "" {
		t.Errorf("%s: unlabelled result %+v", r.Name, r)
	}
}

func TestIngestRawAndRunnerEachAckEveryMessageOnce(t *testing.T) {
	ctx := testContext(t)
	bus, err := bench.StartBus(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	const n = 2000
	if err := bus.FillEvents(ctx, n); err != nil {
		t.Fatal(err)
	}
	// Each measurement gets a fresh consumer over the same stream: the raw
	// side runs twice to show a second measurement consumes everything again.
	for i := range 2 {
		raw, err := bus.IngestRaw(ctx, n)
		if err != nil || raw.Count != n || raw.Rate() <= 0 {
			t.Fatalf("raw run %d: %+v, %v; want %d messages at a positive rate", i, raw, err, n)
		}
	}
	ours, err := bus.IngestRunner(ctx, n, 16)
	if err != nil || ours.Count != n || ours.Rate() <= 0 {
		t.Fatalf("runner: %+v, %v; want %d messages at a positive rate", ours, err, n)
	}
	// The breakdown runs the consume loop alone, with either ack.
	for _, double := range []bool{false, true} {
		r, err := bus.IngestConsumerOnly(ctx, n, 16, double)
		if err != nil || r.Count != n || r.Rate() <= 0 {
			t.Errorf("consume loop (double ack %v): %+v, %v; want %d messages", double, r, err, n)
		}
	}
	// Nothing was dead-lettered: the runner acked every event.
	info, err := bus.Topology.DLQ.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 0 {
		t.Errorf("DLQ holds %d messages, want 0", info.State.Msgs)
	}
}

func TestIngestComparesTheSidesAgainstTheTarget(t *testing.T) {
	r, err := bench.Ingest(testContext(t), bench.IngestOptions{Messages: 2000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sane(t, r, 2000)
	if r.Pass != (r.Ratio() >= bench.IngestTarget) {
		t.Errorf("pass %v with ratio %.2f; the target is %.2f", r.Pass, r.Ratio(), bench.IngestTarget)
	}
	if v, ok := r.Metric("peak heap in use"); !ok || v <= 0 {
		t.Errorf("peak heap metric %v %v; want > 0", v, ok)
	}
}

func TestCSVDecodesEveryRowAndLoadsEveryRowIntoTheSandbox(t *testing.T) {
	const rows = 5000
	rs, err := bench.CSV(testContext(t), bench.CSVOptions{Rows: rows, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d results, want decode and end to end", len(rs))
	}
	for _, r := range rs {
		sane(t, r, rows)
	}
	if rs[0].Pass != (rs[0].Project.Rate >= bench.CSVDecodeTarget) {
		t.Errorf("decode pass %v at %.0f rows/s", rs[0].Pass, rs[0].Project.Rate)
	}
	if size, _ := rs[0].Metric("file size"); size < 0.3 || size > 0.35 {
		t.Errorf("file of %d rows is %.2f MB; want about 65 bytes a row", rows, size)
	}
}

func TestLoadProjectPutsEveryNumberInTheAudienceAsE164(t *testing.T) {
	const rows = 3000
	path := filepath.Join(t.TempDir(), "c.csv")
	if _, err := bench.WriteContactsCSV(path, rows); err != nil {
		t.Fatal(err)
	}
	srv, url := sandboxtest.Start(t, sandbox.Options{})
	ctx := testContext(t)
	tests := []struct {
		name string
		load func(audience string) (bench.Run, error)
	}{
		{"project", func(a string) (bench.Run, error) { return bench.LoadProject(ctx, newClient(t, url), a, path) }},
		{"raw anchor", func(a string) (bench.Run, error) { return bench.LoadRaw(ctx, url, "k", a, path) }},
	}
	want := make([]string, rows)
	for i := range want {
		want[i] = bench.ContactNumber(i)
	}
	slices.Sort(want)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := tt.load(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := srv.Audience(tt.name)
			if !ok || run.Count != rows || !slices.Equal(got, want) {
				t.Errorf("count %d, audience exists %v with %d numbers (first %q); want %d numbers +2782...", run.Count, ok, len(got), first(got), rows)
			}
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestClientAddsEveryContactOnBothSides(t *testing.T) {
	r, err := bench.Client(testContext(t), bench.ClientOptions{Contacts: 5000})
	if err != nil {
		t.Fatal(err)
	}
	sane(t, r, 5000)
	if r.Pass != (r.Project.Rate >= bench.ClientTarget) {
		t.Errorf("pass %v at %.0f contacts/s", r.Pass, r.Project.Rate)
	}
}

func TestClientAgainstARunningSandbox(t *testing.T) {
	srv, url := sandboxtest.Start(t, sandbox.Options{APIKey: "secret"})
	r, err := bench.Client(testContext(t), bench.ClientOptions{Contacts: 2500, ChatIncURL: url, APIKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	sane(t, r, 2500)
	measured := 0
	for id, size := range srv.State().Audiences {
		if strings.HasPrefix(id, "bench-client-raw") || strings.HasPrefix(id, "bench-client-project") {
			measured++
			if size != 2500 {
				t.Errorf("audience %s holds %d contacts, want 2500", id, size)
			}
		}
	}
	if measured != 2 {
		t.Errorf("the given sandbox has %d measured audiences (%v), want the anchor's and the project's", measured, srv.State().Audiences)
	}
}

func TestPublishStoresEveryMessage(t *testing.T) {
	r, err := bench.Publish(testContext(t), bench.PublishOptions{Messages: 2000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sane(t, r, 2000)
}

func TestWriteTableShowsBothSidesRatioAndVerdict(t *testing.T) {
	tests := []struct {
		name string
		r    bench.Result
		want []string
	}{
		{"pass", bench.Result{Name: "ingest", Unit: "msg/s", Count: 10, Anchor: bench.Figure{Label: "raw", Rate: 150000},
			Project: bench.Figure{Label: "ours", Rate: 100000}, Target: "project >= 60% of anchor", Pass: true,
			Metrics: []bench.Metric{{Name: "peak heap in use", Value: 12.5, Unit: "MB"}}, Notes: []string{"why"}},
			[]string{"ingest (10 items each side)", "raw", "150,000", "ours", "100,000", "0.67", "PASS", "peak heap in use", "12.50 MB", "note: why"}},
		{"below", bench.Result{Name: "csv", Unit: "rows/s", Anchor: bench.Figure{Label: "a", Rate: 2e6},
			Project: bench.Figure{Label: "p", Rate: 5e5}, Target: "project >= 1,000,000 rows/s"},
			[]string{"2,000,000", "500,000", "0.25", "BELOW"}},
		{"no anchor", bench.Result{Name: "x", Project: bench.Figure{Rate: 5}}, []string{"0.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := bench.WriteTable(&b, tt.r); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestWriteContactsCSVHasDistinctValidRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.csv")
	size, err := bench.WriteContactsCSV(path, 1000)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if int64(len(data)) != size || len(lines) != 1001 || lines[0]+"\n" != bench.CSVHeader {
		t.Fatalf("size %d (file %d), %d lines, header %q", size, len(data), len(lines), lines[0])
	}
	seen := map[string]bool{}
	for i, l := range lines[1:] {
		num := strings.SplitN(l, ",", 2)[0]
		if seen[num] || fmt.Sprintf("+27%s", strings.ReplaceAll(num[1:], " ", "")) != bench.ContactNumber(i) {
			t.Errorf("row %d number %q (duplicate %v), want the national form of %s", i, num, seen[num], bench.ContactNumber(i))
		}
		seen[num] = true
	}
}
