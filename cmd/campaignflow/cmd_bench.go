package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/bench"
)

func newBenchCmd() *cobra.Command {
	var (
		timeout    time.Duration
		failBelow  bool
		cpuProfile string
		memProfile string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the benchmarks: each prints the anchor (plain library) and campaignflow side by side",
		Long: `bench measures campaignflow's hot paths against an anchor doing the same work with the
plain libraries, on the same data in the same run, and prints both rates, their ratio, the
target from the issues and PASS or BELOW:

  ingest   raw nats.go consume+ack vs the worker's consume loop and runner (no-op Chat Inc)
  csv      encoding/csv vs gocsv streaming decode; CSV -> E.164 -> Chat Inc sandbox end to end
  client   raw net/http POSTs vs the chatinc client adding contacts in batches of 1000
  publish  raw nats.go PublishAsync vs sinks.Publisher for result snapshots
  e2e      segment events through JetStream into the sandbox: plain nats.go pipeline vs the
           worker at its defaults (and against a throttling sandbox with --rate-limit)

Everything runs locally: an embedded nats-server under a temporary directory and the Chat Inc
sandbox on loopback. Numbers depend on the machine and its load; run on an idle one.`,
		Example: `  campaignflow bench ingest --messages 200000
  campaignflow bench csv --rows 1000000
  campaignflow bench client --contacts 200000
  campaignflow bench publish
  campaignflow bench e2e --rate-limit 200`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long")
	cmd.PersistentFlags().BoolVar(&failBelow, "fail-below", false, "exit 1 when a result is below its target")
	cmd.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process to FILE (go tool pprof FILE)")
	cmd.PersistentFlags().StringVar(&memProfile, "memprofile", "", "write an allocation profile of this process to FILE at the end (go tool pprof -sample_index=alloc_space FILE)")
	run := func(cmd *cobra.Command, measure func(ctx context.Context) ([]bench.Result, error)) error {
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "campaignflow bench %s: %s, %d CPUs, GOMAXPROCS %d\n\n", cmd.Name(), runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
		if cpuProfile != "" {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return fmt.Errorf("bench: --cpuprofile: %w", err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return fmt.Errorf("bench: --cpuprofile: %w", err)
			}
			defer pprof.StopCPUProfile()
		}
		results, err := measure(ctx)
		if err != nil {
			return fmt.Errorf("bench %s: %w", cmd.Name(), err)
		}
		if memProfile != "" {
			if err := writeAllocs(memProfile); err != nil {
				return fmt.Errorf("bench: --memprofile: %w", err)
			}
		}
		if err := bench.WriteTable(out, results...); err != nil {
			return err
		}
		return verdict(out, results, failBelow)
	}
	cmd.AddCommand(newBenchIngestCmd(run), newBenchCSVCmd(run), newBenchClientCmd(run), newBenchPublishCmd(run), newBenchE2ECmd(run), newBenchNATSCmd())
	return cmd
}

// writeAllocs writes the allocation profile (every allocation since the
// start, sampled) to path.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchRunner runs a measurement under the bench command's timeout and
// prints its results.
type benchRunner func(cmd *cobra.Command, measure func(ctx context.Context) ([]bench.Result, error)) error

// verdict ends the output; with --fail-below a result under its target
// exits 1.
func verdict(out io.Writer, results []bench.Result, failBelow bool) error {
	below := 0
	for _, r := range results {
		if !r.Pass {
			below++
		}
	}
	fmt.Fprintln(out)
	if below == 0 {
		fmt.Fprintln(out, "all targets met")
		return nil
	}
	fmt.Fprintf(out, "%d of %d results below target (a loaded or small machine lowers every figure; compare the ratio)\n", below, len(results))
	if failBelow {
		return exitError{code: 1}
	}
	return nil
}

// benchCmd completes a bench subcommand: no arguments, and measure run
// through run (which prints the results and checks their targets).
func benchCmd(c *cobra.Command, run benchRunner, measure func(ctx context.Context, cmd *cobra.Command) ([]bench.Result, error)) *cobra.Command {
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		return run(cmd, func(ctx context.Context) ([]bench.Result, error) { return measure(ctx, cmd) })
	}
	return c
}

// one is a single measurement as a result list.
func one(r bench.Result, err error) ([]bench.Result, error) { return []bench.Result{r}, err }

func newBenchIngestCmd(run benchRunner) *cobra.Command {
	var o bench.IngestOptions
	cmd := benchCmd(&cobra.Command{
		Use:   "ingest",
		Short: "Consume+ack rate: raw nats.go vs sources.Consumer + pipeline.Runner (target >= 60% of raw)",
	}, run, func(ctx context.Context, _ *cobra.Command) ([]bench.Result, error) { return one(bench.Ingest(ctx, o)) })
	cmd.Flags().IntVar(&o.Messages, "messages", 200_000, "send-promo events stored and consumed by each side")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 16, "the worker's consumer concurrency (consumer.concurrency)")
	cmd.Flags().BoolVar(&o.Breakdown, "breakdown", false, "also time sources.Consumer acking without the runner (Ack, then DoubleAck) to locate the gap")
	return cmd
}

func newBenchCSVCmd(run benchRunner) *cobra.Command {
	var (
		o       bench.CSVOptions
		process bool
	)
	cmd := benchCmd(&cobra.Command{
		Use:   "csv",
		Short: "CSV decode (target 1M rows/s) and CSV -> Chat Inc end to end (target 150k rows/s, peak RSS < 100 MB)",
		Long: `csv writes a contacts CSV (--rows, about 65 bytes a row: 1M rows is about 65 MB) to a temporary
directory, then measures:
  decode      encoding/csv vs sources.CSVReader (gocsv streaming)
  end to end  encoding/csv + net/http vs handlers.ImportCSV (E.164, chatinc client) into the sandbox
By default the sandbox runs as a child process (` + "`campaignflow sim`" + `), so the peak RSS and CPU
are campaignflow's alone; --sandbox-process=false keeps it in this process.`,
	}, run, func(ctx context.Context, cmd *cobra.Command) ([]bench.Result, error) {
		stop, err := benchSandbox(ctx, cmd, &o.ChatIncURL, &o.APIKey, process)
		if err != nil {
			return nil, err
		}
		defer stop()
		return bench.CSV(ctx, o)
	})
	cmd.Flags().IntVar(&o.Rows, "rows", 1_000_000, "data rows in the generated CSV")
	cmd.Flags().StringVar(&o.Dir, "dir", "", "directory for the generated CSV (default: a temporary one, removed after)")
	addBenchSandboxFlags(cmd, &o.ChatIncURL, &o.APIKey, &process)
	return cmd
}

func newBenchClientCmd(run benchRunner) *cobra.Command {
	var (
		o       bench.ClientOptions
		process bool
	)
	cmd := benchCmd(&cobra.Command{
		Use:   "client",
		Short: "Add contacts in batches of 1000: raw net/http vs the chatinc client (target 200k contacts/s)",
		Long: `client adds --contacts numbers to a new audience twice: with net/http POSTing pre-encoded
batches, and with chatinc.Client.CreateAudience. By default the sandbox runs as a child process
(` + "`campaignflow sim`" + `), so the CPU per contact printed is the client's alone.`,
	}, run, func(ctx context.Context, cmd *cobra.Command) ([]bench.Result, error) {
		stop, err := benchSandbox(ctx, cmd, &o.ChatIncURL, &o.APIKey, process)
		if err != nil {
			return nil, err
		}
		defer stop()
		return one(bench.Client(ctx, o))
	})
	cmd.Flags().IntVar(&o.Contacts, "contacts", 200_000, "contacts added by each side")
	addBenchSandboxFlags(cmd, &o.ChatIncURL, &o.APIKey, &process)
	return cmd
}

func newBenchPublishCmd(run benchRunner) *cobra.Command {
	var o bench.PublishOptions
	cmd := benchCmd(&cobra.Command{
		Use:   "publish",
		Short: "Result publishing: raw nats.go PublishAsync vs sinks.Publisher (target 100k msg/s)",
	}, run, func(ctx context.Context, _ *cobra.Command) ([]bench.Result, error) { return one(bench.Publish(ctx, o)) })
	cmd.Flags().IntVar(&o.Messages, "messages", 100_000, "result messages published by each side")
	return cmd
}
