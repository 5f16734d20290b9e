package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/bench"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/sources"
)

func newBenchE2ECmd(run benchRunner) *cobra.Command {
	var o bench.E2EOptions
	var reports string
	cmd := &cobra.Command{
		Use:   "e2e",
		Short: "Segment events drained into the sandbox: plain nats.go pipeline vs the worker at its defaults (target >= 0.75 of plain)",
		Long: `e2e stores --events customer-segment-updated events (10 contacts each, each its own audience) in
JetStream and drains them into the Chat Inc sandbox with a plain nats.go pipeline (pull
consume -> POST /v1/create/audience -> ack, 32 in flight) and with the campaignflow worker at its
defaults (an API key set, so the real client path; validation and telemetry on; ingest reports at
their default, results.ingest_reports: rejected, and the events have no bad row: --ingest-reports all
stores one per event, as before 2026-11-30), in --rounds alternating rounds (fresh events each round, both sides drain the same ones, the
sandbox is reset before each drain). It prints both median rates, the CPU per 1k events of this
process, of the nats-server and of the sandbox, and the ratio, and checks that no event was
dead-lettered and no contact lost in any drain. Each side's clock starts before it does: the
worker's start-up (streams, KV buckets, its consumer; about 0.1-0.2 s) is in its drain time, so
a small --events understates it (use the default 20000 or more).

The nats-server (a fresh store in a temporary directory) and the sandbox run as child processes,
so the CPU of each is measured apart.

With --rate-limit N the sandbox throttles to N calls per second (429 with Retry-After) and only
the worker runs: its calls per second after the warm-up are compared with N (target >= 0.9 of
N, 429s under 2% of calls).`,
		Example: `  campaignflow bench e2e
  campaignflow bench e2e --events 50000
  campaignflow bench e2e --rate-limit 200
  campaignflow bench e2e --rate-limit 50 --events 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case o.Events < 0:
				return fmt.Errorf("bench e2e: --events %d: give a positive number of events (default 20000)", o.Events)
			case o.Rounds < 1:
				return fmt.Errorf("bench e2e: --rounds %d: give at least 1 round (default 3)", o.Rounds)
			case reports != "" && reports != config.IngestReportsRejected && reports != config.IngestReportsAll:
				return fmt.Errorf("bench e2e: --ingest-reports %q: give rejected (the worker's default) or all", reports)
			}
			return run(cmd, func(ctx context.Context) ([]bench.Result, error) {
				dir, err := os.MkdirTemp("", "campaignflow-bench-e2e-")
				if err != nil {
					return nil, err
				}
				defer os.RemoveAll(dir)
				natsURL, natsPid, stopNATS, err := startChild(ctx, cmd, "bench", "nats-server", "--store", dir)
				if err != nil {
					return nil, err
				}
				defer stopNATS()
				simArgs := []string{"sim", "--addr", "127.0.0.1:0", "--api-key", "bench", "--log-level", "error", "--approve-after", "0s"}
				if o.RateLimit > 0 {
					simArgs = append(simArgs, "--rate-limit", strconv.FormatFloat(o.RateLimit, 'g', -1, 64))
				}
				simURL, simPid, stopSim, err := startChild(ctx, cmd, simArgs...)
				if err != nil {
					return nil, err
				}
				defer stopSim()
				o.NATSURL, o.NATSPid, o.ChatIncURL, o.SimPid, o.APIKey = natsURL, natsPid, simURL, simPid, "bench"
				// The worker logs as campaignflow run does at its defaults
				// (JSON at info), into io.Discard: the formatting is counted.
				defaults := config.Defaults()
				o.Logger = newLogger(&defaults, io.Discard)
				if reports != "" && reports != defaults.Results.IngestReports {
					o.Tune = func(c *config.Config) { c.Results.IngestReports = reports }
				}
				r, err := bench.E2E(ctx, o)
				return []bench.Result{r}, err
			})
		},
	}
	cmd.Flags().IntVar(&o.Events, "events", 0, "segment events stored and drained by each side (default 20000; with --rate-limit N, 40 s worth: 40*N)")
	cmd.Flags().IntVar(&o.Rounds, "rounds", 3, "alternating rounds of both sides, fresh events each round (figures are medians; with --rate-limit: one drain)")
	cmd.Flags().Float64Var(&o.RateLimit, "rate-limit", 0, "the sandbox's limit in calls per second (0: none; then the plain pipeline runs beside the worker)")
	cmd.Flags().DurationVar(&o.Warmup, "warmup", 0, "with --rate-limit: calls per second are counted after this (default 10s)")
	cmd.Flags().StringVar(&reports, "ingest-reports", "", "the worker's results.ingest_reports: rejected (its default; the bench's events have no bad row, so none) or all (a report per event, as before 2026-11-30)")
	return cmd
}

// newBenchNATSCmd serves an embedded nats-server with JetStream as a child
// process of bench e2e, so its CPU is measured apart.
func newBenchNATSCmd() *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:    "nats-server",
		Short:  "Serve a nats-server with JetStream on a free loopback port (bench e2e runs it as a child process)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			emb, err := sources.StartEmbedded(sources.EmbeddedOptions{StoreDir: store, Host: "127.0.0.1", Port: -1})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "nats-server serving at %s\n", emb.URL())
			<-cmd.Context().Done()
			ctx, cancel := shutdownContext()
			defer cancel()
			return emb.Shutdown(ctx)
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "JetStream store directory (required)")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}
