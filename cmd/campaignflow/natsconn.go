package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/sources"
)

// defaultCLINATSURL is where the operator commands (publish, dlq, schedules)
// look for NATS when nothing says otherwise: the embedded nats-server of a
// `campaignflow run` started with no NATS URL.
const defaultCLINATSURL = "nats://127.0.0.1:4222"

// natsConnectTimeout bounds how long a command waits to reach NATS.
const natsConnectTimeout = 5 * time.Second

// addNATSFlags are the flags of the commands that talk to a running
// campaignflow's NATS. They map onto config keys (nats.url, nats.creds), so
// flags win over CAMPAIGNFLOW_NATS_URL / CAMPAIGNFLOW_NATS_CREDS, and those
// over the config file; the file also gives resource names and schedules.
func addNATSFlags(f *pflag.FlagSet) {
	f.String("nats-url", "", "NATS server URL(s) (default $CAMPAIGNFLOW_NATS_URL, else "+defaultCLINATSURL+", the embedded server of campaignflow run)")
	f.String("nats-creds", "", "NATS credentials file (default $CAMPAIGNFLOW_NATS_CREDS)")
	f.String("config", "", "YAML config file, for NATS URL, resource names and configured schedules (default $CAMPAIGNFLOW_CONFIG)")
}

// busConn is a command's connection to campaignflow's NATS resources.
type busConn struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	names sources.Names
	cfg   *config.Config
	url   string
}

// Close drains nothing (commands wait for their acks) and closes.
func (b *busConn) Close() { b.nc.Close() }

// connectBus reads the configuration (flags, environment, file) and
// connects to NATS.
func connectBus(cmd *cobra.Command) (*busConn, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	url := cfg.NATS.URL
	if url == "" {
		url = defaultCLINATSURL
	}
	opts := []nats.Option{nats.Name("campaignflow-" + cmd.Name()), nats.Timeout(natsConnectTimeout), nats.MaxReconnects(0)}
	if cfg.NATS.Creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.NATS.Creds))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot reach NATS at %s: %w; start `campaignflow run` (embedded NATS on 127.0.0.1:4222) or pass --nats-url / CAMPAIGNFLOW_NATS_URL", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream on %s: %w", url, err)
	}
	return &busConn{nc: nc, js: js, names: cfg.Names, cfg: cfg, url: url}, nil
}

// missingResource explains a stream or bucket that is not there.
func missingResource(err error, kind, name, url string) error {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
		return fmt.Errorf("%s %s does not exist on NATS %s: `campaignflow run` creates it on start; is it running against this server (--nats-url)?: %w", kind, name, url, err)
	}
	return err
}

// withBus runs f connected to the bus, the command's context bounded by
// timeout (and set on cmd, so f's calls see the bound).
func withBus(cmd *cobra.Command, timeout time.Duration, f func(ctx context.Context, bus *busConn) error) error {
	ctx, cancel := commandContext(cmd, timeout)
	defer cancel()
	cmd.SetContext(ctx)
	bus, err := connectBus(cmd)
	if err != nil {
		return err
	}
	defer bus.Close()
	return f(ctx, bus)
}

// keyValue opens a KV bucket the worker creates, saying how to get it when
// it is missing; what prefixes the error ("ledger", "schedules").
func (b *busConn) keyValue(ctx context.Context, what, bucket string) (jetstream.KeyValue, error) {
	kv, err := b.js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, missingResource(fmt.Errorf("%s: %w", what, err), "KV bucket", bucket, b.url)
	}
	return kv, nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// commandContext bounds a one-shot operator command.
func commandContext(cmd *cobra.Command, d time.Duration) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, d)
}
