package worker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/sources"
)

// JetStream is the worker's JetStream context.
func (w *Worker) JetStream() jetstream.JetStream { return w.js }

// Conn is the worker's NATS connection.
func (w *Worker) Conn() *nats.Conn { return w.nc }

// Names are the NATS names in use.
func (w *Worker) Names() sources.Names { return w.cfg.Names }

// NATSURL is the URL of the NATS server in use.
func (w *Worker) NATSURL() string {
	if w.embedded != nil {
		return w.embedded.URL()
	}
	return w.cfg.NATS.URL
}

// Sandbox is the embedded sandbox, nil when talking to Chat Inc.
func (w *Worker) Sandbox() *sandbox.Running { return w.sim }

// SandboxStateFile is where the embedded sandbox keeps its state, under
// the data dir (nats.data_dir), so a restart keeps the campaigns that the
// ledger names.
func (w *Worker) SandboxStateFile() string {
	return filepath.Join(w.cfg.NATS.DataDir, "chatinc-sandbox.json")
}

// Client is the Chat Inc client.
func (w *Worker) Client() *chatinc.Client { return w.client }

// Embedded is the embedded nats-server, nil when using an external one.
func (w *Worker) Embedded() *sources.Embedded { return w.embedded }

// Ready is nil when NATS is connected, the streams and consumer exist and
// the consumer is consuming; otherwise it says what is wrong.
func (w *Worker) Ready(ctx context.Context) error {
	if !w.started.Load() || w.nc == nil || w.consumer == nil { // /readyz runs while Start sets the parts
		return errors.New("worker: starting")
	}
	if st := w.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("worker: NATS is %s", st)
	}
	for _, s := range []string{w.cfg.Names.EventsStream, w.cfg.Names.ResultsStream, w.cfg.Names.DLQStream} {
		if _, err := w.js.Stream(ctx, s); err != nil {
			return fmt.Errorf("worker: stream %s: %w", s, err)
		}
	}
	if _, err := w.js.Consumer(ctx, w.cfg.Names.EventsStream, w.cfg.Names.EventsConsumer); err != nil {
		return fmt.Errorf("worker: consumer %s: %w", w.cfg.Names.EventsConsumer, err)
	}
	return w.consumer.Ready()
}

// ChatIncReachable checks Chat Inc (or the sandbox) answers.
func (w *Worker) ChatIncReachable(ctx context.Context) error {
	_, err := w.client.RetrieveVariableGroups(ctx)
	return err
}

// Leading reports whether this replica holds the scheduler's leader lease
// (it runs scheduled ticks and result polls).
func (w *Worker) Leading(ctx context.Context) bool {
	return w.elector != nil && w.elector.Leading(ctx)
}
