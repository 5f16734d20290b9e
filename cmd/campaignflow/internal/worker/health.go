package worker

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Healthy is nil unless the worker can no longer work: its NATS connection
// was closed for good (the server refused it, or reconnects gave out). An
// orchestrator that sees /healthz fail restarts the process; Run also
// returns an error after WithClosedGrace.
func (w *Worker) Healthy() error {
	if err := w.connClosed.Load(); err != nil {
		return *err
	}
	return nil
}

// onConnClosed is the connection's ClosedHandler. A close that Shutdown did
// not ask for makes the worker unhealthy and, after the grace, stops Run.
func (w *Worker) onConnClosed(nc *nats.Conn) {
	if w.closing.Load() {
		return
	}
	err := fmt.Errorf("worker: NATS connection closed for good (last error: %v); the worker cannot consume: restart it", nc.LastError())
	w.connClosed.Store(&err)
	w.log.Error("NATS connection closed for good; /healthz fails and the worker exits", "err", nc.LastError(), "exit_in", w.opts.closedGrace.String())
	go func() {
		t := time.NewTimer(w.opts.closedGrace)
		defer t.Stop()
		<-t.C
		select {
		case w.errs <- err:
		default:
		}
	}()
}
