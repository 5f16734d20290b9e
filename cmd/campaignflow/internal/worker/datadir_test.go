package worker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
)

// TestSecondWorkerOnADataDirIsRefused: while a worker keeps the embedded
// sandbox's state in a data dir, a second worker on the same dir does not
// start (it would share the state file, and an embedded NATS store), and
// says which process holds it; once the first stops, it starts.
func TestSecondWorkerOnADataDirIsRefused(t *testing.T) {
	dataDir := t.TempDir()
	e := newEnv(t, embeddedSandbox(dataDir))
	second := func() error {
		w, err := worker.New(e.cfg, worker.WithRandomPorts())
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := w.Start(ctx); err != nil {
			return err
		}
		return w.Shutdown(ctx)
	}
	err := second()
	if err == nil || !strings.Contains(err.Error(), "in use by pid "+fmt.Sprint(os.Getpid())) || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("a second worker on the data dir: %v; want it refused, naming the holder and --data-dir", err)
	}
	e.stop()
	if err := second(); err != nil {
		t.Fatalf("after the first stopped, a worker on the data dir: %v", err)
	}
}
