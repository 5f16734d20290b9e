package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/sinks"
)

func newDemoCmd() *cobra.Command {
	var (
		keep     bool
		contacts int
		polls    int
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole loop once on embedded NATS and the Chat Inc sandbox, and print the results",
		Long: `demo starts everything in-process (an embedded nats-server on a free port, the Chat Inc
sandbox with simulated time running 3600x, the worker and a file sink), then:

  1. publishes a customer-segment-updated event (4 contacts, one with a bad number; a variable group),
  2. writes a CSV of 1,000 contacts (a few with bad numbers) and publishes audience-file-uploaded,
  3. waits for both ingest reports, publishes a send-promo for both audiences,
  4. waits for the run and its result snapshots, and prints them with the warehouse files written.

Nothing leaves this machine. It exits 0 when the loop completed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if contacts < 1 {
				return fmt.Errorf("demo: --contacts %d must be at least 1 (contacts in the generated CSV; default 1000)", contacts)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			log := loggerFrom(cmd)
			if !cmd.Flags().Changed("log-level") { // the demo prints its own story: only warnings
				log = buildLogger("warn", "text", os.Stderr)
			}
			return runDemo(ctx, cmd.OutOrStdout(), demoOptions{keep: keep, contacts: contacts, polls: polls, log: log})
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the demo's temporary directory (NATS store, CSV, warehouse files)")
	cmd.Flags().IntVar(&contacts, "contacts", 1000, "contacts in the generated CSV")
	cmd.Flags().IntVar(&polls, "polls", 4, "result polls to wait for (+1m, +10m, +1h, +6h simulated)")
	cmd.Flags().DurationVar(&timeout, "timeout", 55*time.Second, "give up after this long")
	return cmd
}

type demoOptions struct {
	keep     bool
	contacts int
	polls    int
	log      *slog.Logger
}

func runDemo(ctx context.Context, out io.Writer, o demoOptions) error {
	dir, err := os.MkdirTemp("", "campaignflow-demo-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	def := config.Defaults()
	cfg := &def
	cfg.NATS.DataDir = filepath.Join(dir, "nats")
	cfg.Sandbox.TimeScale = 3600 // one simulated hour per second
	cfg.Results.TimeScale = 3600
	cfg.CSV.AllowedDirs = []string{dir}
	cfg.Sinks.Dir = filepath.Join(dir, "warehouse")
	cfg.Sinks.RollAge = time.Second
	cfg.WorkerID = "demo"
	log := o.log // built by newLogger's builder: event attributes included
	tel, err := telemetry.Setup(ctx, telemetry.WithLogger(log), telemetry.WithService("campaignflow", version))
	if err != nil {
		return err
	}
	defer func() { // after the worker's shutdown (deferred below)
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()
	w, err := worker.New(cfg, worker.WithLogger(log), worker.WithRandomPorts(), worker.WithTelemetry(tel))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "campaignflow demo: embedded NATS + Chat Inc sandbox (simulated, 1 hour per second); nothing reaches real people")
	if err := w.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = w.Shutdown(sctx)
	}()
	fmt.Fprintf(out, "  NATS %s   sandbox %s   files %s\n\n", w.NATSURL(), w.Sandbox().URL, cfg.Sinks.Dir)
	js, names := w.JetStream(), w.Names()

	reports, err := subscribe(ctx, w.Conn(), names.Prefix+".results.ingest.>")
	if err != nil {
		return err
	}
	snaps, err := subscribe(ctx, w.Conn(), names.Prefix+".results.campaign.>")
	if err != nil {
		return err
	}
	csvPath := filepath.Join(dir, "black-friday.csv")
	bad, err := writeDemoCSV(csvPath, o.contacts)
	if err != nil {
		return err
	}
	publish := func(typ, id string, body any) error {
		b, _ := json.Marshal(body)
		_, err := js.PublishMsg(ctx, &nats.Msg{Subject: names.EventSubject(typ), Data: b,
			Header: nats.Header{jetstream.MsgIDHeader: []string{id}}})
		if err == nil {
			fmt.Fprintf(out, "→ published %-26s %s\n", typ, id)
		}
		return err
	}
	if err := publish("customer-segment-updated", "demo-seg-1", map[string]any{
		"audience": map[string]string{"id": "vip-shoppers", "name": "VIP shoppers", "description": "spent > 1000 in 90 days"},
		"contacts": []map[string]any{
			{"number": "+27 82 123 4567", "attributes": map[string]string{"first_name": "Thandi", "tier": "gold"}},
			{"number": "082 765 4321", "attributes": map[string]string{"first_name": "Sipho", "tier": "silver"}},
			{"number": "+44 7911 123456", "attributes": map[string]string{"first_name": "Amelia", "tier": "gold"}},
			{"number": "12345", "attributes": map[string]string{"first_name": "Typo", "tier": "bronze"}},
		},
		"variable_group": map[string]any{"id": "customers", "name": "customers", "fields": []string{"first_name", "tier"}},
	}); err != nil {
		return err
	}
	if err := publish("audience-file-uploaded", "demo-file-1", map[string]any{
		"audience":       map[string]string{"id": "black-friday-list", "name": "Black Friday list"},
		"source":         map[string]string{"file": csvPath},
		"columns":        map[string]any{"number": "Phone", "fields": map[string]string{"first_name": "First Name", "tier": "Tier"}},
		"variable_group": map[string]string{"id": "customers", "name": "customers"},
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nIngest reports:")
	for range 2 {
		m, err := next(ctx, reports, "an ingest report")
		if err != nil {
			return err
		}
		var r sinks.IngestReport
		_ = json.Unmarshal(m.Data, &r)
		fmt.Fprintf(out, "  %-22s audience %-18s rows %4d  accepted %4d  rejected %d", r.EventType, r.AudienceID, r.RowsTotal, r.RowsAccepted, r.RowsRejected)
		if len(r.Rejected) > 0 {
			fmt.Fprintf(out, "  (e.g. row %d, column %q: %s)", r.Rejected[0].Row, r.Rejected[0].Column, r.Rejected[0].Reason)
		}
		fmt.Fprintln(out)
	}
	_ = bad
	fmt.Fprintln(out)
	if err := publish("send-promo", "demo-promo-1", map[string]any{
		"promo_id": "bf-2026-demo", "title": "Black Friday 2026",
		"message":   "Hi {customers.first_name}, 30% off for {customers.tier} members today.",
		"image_url": "https://cdn.example.com/bf.jpg",
		"buttons":   []map[string]string{{"text": "Shop now", "type": "url", "url": "https://shop.example.com/bf"}},
		"audiences": []string{"vip-shoppers", "black-friday-list"}, "language_code": "enUS",
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nResult snapshots (chatinc.results.campaign.*):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "poll\tsent\tdelivered\tread\tsend err\tdelivery err\tnot on WA\tdelivery rate\tread rate\t")
	var first sinks.CampaignSnapshot
	for i := 0; i < o.polls; i++ {
		m, err := next(ctx, snaps, "a result snapshot")
		if err != nil {
			return err
		}
		var s sinks.CampaignSnapshot
		_ = json.Unmarshal(m.Data, &s)
		if i == 0 {
			first = s
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t\n", s.Poll, s.Sent, s.Delivered, s.Read, s.SendErrors,
			s.DeliveryErrors, s.NotOnWhatsApp, 100*s.DeliveryRate, 100*s.ReadRate)
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "\ncampaign %s (%q), run %s\n", first.CampaignID, first.Title, first.RunID)
	// The last poll's contact rows follow its snapshot: wait until the
	// results stream is quiet and the file sink has acked (written) it all.
	if err := waitForSink(ctx, js, names.ResultsStream, "campaignflow-files-"+cfg.WorkerID); err != nil {
		return err
	}
	files, err := waitForFiles(ctx, cfg.Sinks.Dir)
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(out, "\nWarehouse files:")
	} else {
		fmt.Fprintln(out, "\nWarehouse files (removed when the demo exits; run with --keep to keep them and read them back):")
	}
	for _, f := range files {
		fmt.Fprintln(out, "  "+f)
	}
	if o.keep {
		fmt.Fprintf(out, "\nkept %s\n", dir)
	}
	fmt.Fprintln(out, "\ndemo complete: segment in, CSV in, promo created, approved and run, results out.")
	return nil
}

func subscribe(ctx context.Context, nc *nats.Conn, subject string) (chan *nats.Msg, error) {
	ch := make(chan *nats.Msg, 256)
	sub, err := nc.ChanSubscribe(subject, ch)
	if err != nil {
		return nil, err
	}
	go func() { <-ctx.Done(); _ = sub.Unsubscribe() }()
	return ch, nil
}

func next(ctx context.Context, ch chan *nats.Msg, what string) (*nats.Msg, error) {
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("demo: gave up waiting for %s: %w (rerun with --log-level info to see what the worker did)", what, ctx.Err())
	}
}

// writeDemoCSV writes n contacts (every 250th with a bad number) with a BOM
// and ; delimiter, as spreadsheets export them. It returns the bad count.
func writeDemoCSV(path string, n int) (int, error) {
	var b strings.Builder
	b.WriteString("\ufeffPhone;First Name;Tier\n")
	bad := 0
	tiers := []string{"gold", "silver", "bronze"}
	for i := 1; i <= n; i++ {
		if i%250 == 0 {
			fmt.Fprintf(&b, "not-a-number-%d;Guest%d;bronze\n", i, i)
			bad++
			continue
		}
		fmt.Fprintf(&b, "+27 83 %03d %04d;Customer%d;%s\n", i/10000, i%10000, i, tiers[i%3])
	}
	return bad, os.WriteFile(path, []byte(b.String()), 0o600)
}

// waitForSink waits until the file sink's consumer has acked everything
// in the results stream and the stream stopped growing (two checks in a
// row, 300ms apart).
func waitForSink(ctx context.Context, js jetstream.JetStream, stream, durable string) error {
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	var lastSeen uint64
	for {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return fmt.Errorf("demo: results stream: %w", err)
		}
		si, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("demo: results stream: %w", err)
		}
		c, err := js.Consumer(ctx, stream, durable)
		if err != nil {
			return fmt.Errorf("demo: file sink consumer %s: %w", durable, err)
		}
		ci, err := c.Info(ctx)
		if err != nil {
			return fmt.Errorf("demo: file sink consumer %s: %w", durable, err)
		}
		last := si.State.LastSeq
		if ci.NumPending == 0 && ci.NumAckPending == 0 && ci.AckFloor.Stream >= last && last == lastSeen {
			return nil
		}
		lastSeen = last
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: the file sink did not write every result in time (acked up to %d of %d): %w", ci.AckFloor.Stream, last, ctx.Err())
		case <-tick.C:
		}
	}
}

// partLess orders part files by directory, then by their sequence number
// (part-demo-9 before part-demo-10).
func partLess(a, b string) bool {
	da, db := filepath.Dir(a), filepath.Dir(b)
	if da != db {
		return da < db
	}
	seq := func(p string) int {
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		n, _ := strconv.Atoi(base[strings.LastIndexByte(base, '-')+1:])
		return n
	}
	if sa, sb := seq(a), seq(b); sa != sb {
		return sa < sb
	}
	return a < b
}

func waitForFiles(ctx context.Context, dir string) ([]string, error) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		var files []string
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
				files = append(files, p)
			}
			return nil
		})
		tables := map[string]bool{}
		for _, f := range files {
			rel, _ := filepath.Rel(dir, f)
			tables[strings.Split(rel, string(filepath.Separator))[0]] = true
		}
		if len(tables) >= 3 {
			sort.Slice(files, func(i, j int) bool { return partLess(files[i], files[j]) })
			return files, nil
		}
		select {
		case <-ctx.Done():
			return files, fmt.Errorf("demo: warehouse files not written in time (have %v)", files)
		case <-tick.C:
		}
	}
}
