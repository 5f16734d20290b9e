package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
)

func newRunCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the worker: consume events, drive Chat Inc, schedule runs, publish results",
		Long: `run is the campaignflow worker.

With no NATS URL (--nats-url, CAMPAIGNFLOW_NATS_URL or nats.url) it starts an embedded
nats-server with JetStream on 127.0.0.1:4222, storing under --data-dir (default ./data).
With no Chat Inc API key (CHATINC_API_KEY or chatinc.api_key) it starts the built-in
Chat Inc sandbox on 127.0.0.1:8089: nothing reaches real people.

Configuration: --config FILE (or CAMPAIGNFLOW_CONFIG), then environment, then flags;
see deploy/config.example.yaml. SIGINT/SIGTERM stop fetching, let in-flight events
finish within consumer.grace (25s), nak the rest and exit 0; the log says what is waited for.
A second signal stops at once: the events in flight are nak'ed (redelivered later) first.`,
		Example: `  campaignflow run
  campaignflow run --config /etc/campaignflow/config.yaml --http-addr 0.0.0.0:9090
  CAMPAIGNFLOW_NATS_URL=nats://nats:4222 CHATINC_API_KEY=... campaignflow run --sink-dir /warehouse
  AWS_REGION=eu-west-1 campaignflow run --sink-url 's3://acme-warehouse?prefix=campaignflow/'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			log := newLogger(cfg, os.Stderr)
			for _, n := range cfg.Notes() {
				log.Warn("campaignflow: config: " + n)
			}
			tel, err := telemetry.Setup(cmd.Context(), telemetry.WithLogger(log), telemetry.WithService("campaignflow", version))
			if err != nil {
				return err
			}
			defer func() { // last: after the worker and the HTTP server stopped
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := tel.Shutdown(sctx); err != nil {
					log.Warn("telemetry shutdown", "err", err)
				}
			}()
			forceHandled.Store(true) // a second signal naks the events in flight and stops
			w, err := worker.New(cfg, worker.WithLogger(log), worker.WithTelemetry(tel), worker.WithForceStop(forceFrom(cmd.Context())))
			if err != nil {
				return err
			}
			stopHTTP, err := startHTTP(cmd.Context(), cfg, w, tel.MetricsHandler(), log)
			if err != nil {
				return err
			}
			defer stopHTTP()
			return w.Run(cmd.Context())
		},
	}
	addWorkerFlags(cmd.Flags())
	return cmd
}

// addWorkerFlags are the flags that map onto config keys (see config.Load).
func addWorkerFlags(f *pflag.FlagSet) {
	f.String("config", "", "YAML config file (default $CAMPAIGNFLOW_CONFIG)")
	f.String("nats-url", "", "NATS server URL(s); empty starts an embedded nats-server")
	f.String("nats-creds", "", "NATS credentials file")
	f.String("data-dir", "./data", "store of the embedded nats-server and the embedded Chat Inc sandbox")
	f.String("nats-listen", "127.0.0.1:4222", "address of the embedded nats-server (HOST:PORT)")
	f.String("chatinc-url", "", "Chat Inc API base URL (default https://api.chatinc.com when an API key is set)")
	f.String("http-addr", "127.0.0.1:9090", "address for /healthz, /readyz and /metrics (empty: off)")
	f.String("sink-dir", "", "write Parquet/NDJSON warehouse files under this directory (each worker its own files; file://DIR)")
	f.String("sink-url", "", "write warehouse files as objects to s3://BUCKET, gs://BUCKET, azblob://CONTAINER or file:///DIR\n(?prefix=DIR/ puts them under DIR; one writer at a time, the scheduler's lease holder;\ncredentials from the environment, never in the URL)")
	f.String("sink-format", "parquet", "warehouse file format: parquet or ndjson")
	f.String("worker-id", "", "this replica's id (default: the host name)")
	f.String("sandbox-addr", "127.0.0.1:8089", "address of the embedded Chat Inc sandbox (HOST:PORT; sandbox mode only)")
	f.Duration("approve-after", 2*time.Second, "embedded sandbox: simulated time until a new campaign's template is approved")
	f.Float64("time-scale", 1, "embedded sandbox: simulated seconds per real second")
}

// loadConfig reads --config, the environment and the flags; on problems it
// prints every one and exits 1.
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	file, _ := cmd.Flags().GetString("config")
	cfg, err := config.Load(config.LoadOptions{File: file, Flags: cmd.Flags(), Env: os.Environ()})
	if err != nil {
		var p config.Problems
		if asProblems(err, &p) {
			fmt.Fprintf(os.Stderr, "campaignflow: the configuration has %d problem(s):\n", len(p))
			for _, x := range p {
				fmt.Fprintln(os.Stderr, "  -", x)
			}
			return nil, exitError{code: 1}
		}
		return nil, err
	}
	return cfg, nil
}
