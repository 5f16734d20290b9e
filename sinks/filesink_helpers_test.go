package sinks_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/parquet-go/parquet-go"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// bus is an in-process nats-server with the project's topology.
type bus struct {
	url string
	js  jetstream.JetStream
	top *sources.Topology
}

func newBus(t testing.TB) *bus {
	t.Helper()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url, jetstream.WithPublishAsyncMaxPending(256))
	top, err := sources.EnsureTopology(context.Background(), js, sources.DefaultNames(), sources.DefaultTopologyOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &bus{url: url, js: js, top: top}
}

// mix publishes snapshots, contact outcome batches and ingest reports
// (interleaved, so one commit spans tables) and returns how many messages.
type mix struct {
	campaigns, polls, contacts, batchRows, reports int
	tag                                            string // keeps ids unique across calls
}

func (b *bus) publish(t testing.TB, m mix) int {
	t.Helper()
	ctx := context.Background()
	p := sinks.NewPublisher(b.js, b.top.Names, sinks.WithBatchRows(m.batchRows))
	base := time.Date(2026, 11, 27, 9, 0, 0, 123456789, time.UTC)
	for c := range m.campaigns {
		cid := fmt.Sprintf("c_%s%03d", m.tag, c)
		for poll := range m.polls {
			s := sinks.CampaignSnapshot{CampaignID: cid, PromoID: map[bool]string{true: "bf-2026"}[c%2 == 0], Title: "Black Friday",
				RunID: "r_01", Poll: poll, TakenAt: base.Add(time.Duration(poll) * time.Minute),
				Sent: int64(100 * (poll + 1)), Delivered: int64(90 * (poll + 1)), Read: int64(50 * poll), SendErrors: 2, DeliveryErrors: 3, NotOnWhatsApp: int64(c)}
			s.Rates()
			if err := p.PublishSnapshot(ctx, s); err != nil {
				t.Fatal(err)
			}
			rows := make([]sinks.ContactOutcome, m.contacts)
			for i := range rows {
				rows[i] = sinks.ContactOutcome{CampaignID: cid, RunID: "r_01", Number: fmt.Sprintf("+2782%07d", i),
					Status: []string{"sent", "delivered", "read", "failed"}[(i+poll)%4], UpdatedAt: base.Add(time.Duration(i) * time.Millisecond)}
				if rows[i].Status == "failed" {
					rows[i].Error = "not on WhatsApp"
				}
			}
			if err := p.PublishContactOutcomes(ctx, cid, "r_01", poll, rows); err != nil {
				t.Fatal(err)
			}
		}
	}
	for r := range m.reports {
		rep := sinks.IngestReport{EventID: fmt.Sprintf("seg-%s%d", m.tag, r), EventType: "customer-segment-updated", AudienceID: "vip",
			RowsTotal: 3, RowsAccepted: 3 - int64(r%2), RowsRejected: int64(r % 2), FinishedAt: base}
		if r%2 == 1 {
			rep.VariableGroup = "customers"
			rep.Rejected = []sinks.RowError{{Row: 2, Column: "number", Value: "+27 82", Reason: "too short"}}
		}
		if err := p.PublishIngestReport(ctx, rep); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	perCampaign := m.polls
	if m.contacts > 0 {
		perCampaign *= 1 + (m.contacts+m.batchRows-1)/m.batchRows
	}
	return m.campaigns*perCampaign + m.reports
}

func (b *bus) lastSeq(t testing.TB) uint64 {
	t.Helper()
	info, err := b.top.Results.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

func (b *bus) consumerInfo(t testing.TB, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := b.js.Consumer(context.Background(), b.top.Names.ResultsStream, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return &jetstream.ConsumerInfo{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.CachedInfo()
}

// waitFor is pipelinetest.Eventually with 20s for a plain condition.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) { return cond(), what })
}

// waitAllAcked waits until the sink's consumer has acked the whole stream.
func (b *bus) waitAllAcked(t testing.TB, durable string) {
	t.Helper()
	last := b.lastSeq(t)
	waitFor(t, fmt.Sprintf("consumer %s to ack up to seq %d", durable, last), func() bool {
		return b.consumerInfo(t, durable).AckFloor.Stream == last
	})
}

// runningSink is a FileSink running in a goroutine (until stop: its
// context is not cancelled before).
type runningSink struct {
	*sinks.FileSink
	*runner
}

func startSink(t testing.TB, b *bus, o sinks.FileSinkConfig, opts ...sinks.FileSinkOption) *runningSink {
	t.Helper()
	fs, err := sinks.NewFileSink(b.js, b.top.Names, o, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &runningSink{FileSink: fs, runner: startRunner(t, fs, "file sink", 20*time.Second)}
}

// newFakeClock is a settable clock for roll ages.
func newFakeClock() *clockwork.FakeClock {
	return clockwork.NewFakeClockAt(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
}

// warehouse is what a loader would see under a sink dir.
type warehouse struct {
	final  []string // final names, relative to dir, ordered by table then seq
	hidden []string // temporaries, ready files, commit records
}

var finalName = regexp.MustCompile(`^(campaign_snapshots|contact_outcomes|ingest_reports|send_reports)/dt=\d{4}-\d{2}-\d{2}/part-([A-Za-z0-9_]+)-(\d+)\.(parquet|ndjson)$`)

func scan(t testing.TB, dir string) warehouse {
	t.Helper()
	var w warehouse
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if strings.HasPrefix(d.Name(), ".") {
			w.hidden = append(w.hidden, rel)
			return nil
		}
		if !finalName.MatchString(rel) {
			t.Errorf("file %s does not follow <table>/dt=YYYY-MM-DD/part-<worker>-<seq>.<ext>", rel)
		}
		w.final = append(w.final, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(w.final, func(a, b string) int {
		ma, mb := finalName.FindStringSubmatch(a), finalName.FindStringSubmatch(b)
		if ma == nil || mb == nil || ma[1] != mb[1] {
			return strings.Compare(a, b)
		}
		sa, _ := strconv.ParseUint(ma[3], 10, 64)
		sb, _ := strconv.ParseUint(mb[3], 10, 64)
		return int(sa) - int(sb)
	})
	return w
}

// tables holds rows by table.
type tables struct {
	snapshots []sinks.CampaignSnapshot
	outcomes  []sinks.ContactOutcome
	reports   []sinks.IngestReport
}

func (tb *tables) rows() int { return len(tb.snapshots) + len(tb.outcomes) + len(tb.reports) }

// readFiles reads every final file back (Parquet with parquet-go's
// GenericReader, NDJSON line by line), in file order.
func readFiles(t testing.TB, dir string, files []string) tables {
	t.Helper()
	var got tables
	for _, rel := range files {
		path := filepath.Join(dir, rel)
		table := strings.Split(rel, "/")[0]
		var err error
		switch table {
		case sinks.TableCampaignSnapshots:
			got.snapshots, err = appendFile(got.snapshots, path)
		case sinks.TableContactOutcomes:
			got.outcomes, err = appendFile(got.outcomes, path)
		case sinks.TableIngestReports:
			got.reports, err = appendFile(got.reports, path)
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
	}
	return got
}

func appendFile[T any](rows []T, path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return rows, err
	}
	defer f.Close()
	if strings.HasSuffix(path, ".ndjson") {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r T
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				return rows, fmt.Errorf("line %q: %w", sc.Text(), err)
			}
			rows = append(rows, r)
		}
		return rows, sc.Err()
	}
	st, err := f.Stat()
	if err != nil {
		return rows, err
	}
	if _, err := parquet.OpenFile(f, st.Size()); err != nil { // checks the footer: a complete file
		return rows, err
	}
	r := parquet.NewGenericReader[T](f)
	defer r.Close()
	buf := make([]T, int(r.NumRows()))
	n, err := r.Read(buf)
	if err != nil && !errors.Is(err, io.EOF) {
		return rows, err
	}
	if n != len(buf) {
		return rows, fmt.Errorf("read %d of %d rows", n, len(buf))
	}
	return append(rows, buf...), nil
}

// streamRows decodes every message of the results stream, in order.
func (b *bus) streamRows(t testing.TB) (tables, map[uint64]string) {
	t.Helper()
	var want tables
	days := map[uint64]string{}
	ctx := context.Background()
	for seq := uint64(1); seq <= b.lastSeq(t); seq++ {
		m, err := b.top.Results.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		days[seq] = m.Time.UTC().Format("2006-01-02")
		switch {
		case strings.HasPrefix(m.Subject, "chatinc.results.campaign."):
			var s sinks.CampaignSnapshot
			mustUnmarshal(t, m.Data, &s)
			want.snapshots = append(want.snapshots, s)
		case strings.HasPrefix(m.Subject, "chatinc.results.contacts."):
			var batch sinks.ContactOutcomeBatch
			mustUnmarshal(t, m.Data, &batch)
			want.outcomes = append(want.outcomes, batch.Rows...)
		case strings.HasPrefix(m.Subject, "chatinc.results.ingest."):
			var r sinks.IngestReport
			mustUnmarshal(t, m.Data, &r)
			want.reports = append(want.reports, r)
		}
	}
	return want, days
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// normalize makes rows comparable across formats: times in UTC (and to the
// millisecond for Parquet, which stores timestamp(millisecond)), empty
// lists as nil, and RowError.Value dropped from Parquet (NDJSON only).
func normalize(tb tables, format string) tables {
	ts := func(t time.Time) time.Time {
		t = t.UTC()
		if format == sinks.FormatParquet {
			t = t.Truncate(time.Millisecond)
		}
		return t
	}
	out := tables{snapshots: slices.Clone(tb.snapshots), outcomes: slices.Clone(tb.outcomes), reports: slices.Clone(tb.reports)}
	for i := range out.snapshots {
		out.snapshots[i].TakenAt = ts(out.snapshots[i].TakenAt)
	}
	for i := range out.outcomes {
		out.outcomes[i].UpdatedAt = ts(out.outcomes[i].UpdatedAt)
	}
	for i := range out.reports {
		r := &out.reports[i]
		r.FinishedAt = ts(r.FinishedAt)
		r.Rejected = slices.Clone(r.Rejected)
		if len(r.Rejected) == 0 {
			r.Rejected = nil
		}
		for j := range r.Rejected {
			if format == sinks.FormatParquet {
				r.Rejected[j].Value = ""
			}
		}
	}
	return out
}

// diffRows reports the first difference, row by row, as JSON.
func diffRows[T any](t testing.TB, table string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows in files, %d in the stream", table, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("%s row %d:\n file   %s\n stream %s", table, i, g, w)
			return
		}
	}
}
