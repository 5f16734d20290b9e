package worker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestClosedConnectionMakesTheWorkerUnhealthy: when nats-server closes the
// worker's connection for good (here: a subject longer than the server's
// control line), Healthy fails at once and the worker reports an error on
// Errors (Run returns it) after the grace, so an orchestrator restarts it.
func TestClosedConnectionMakesTheWorkerUnhealthy(t *testing.T) {
	e := newEnv(t)
	e.stop()
	e.wopts = append(e.wopts, worker.WithClosedGrace(100*time.Millisecond))
	e.start()
	if err := e.w.Healthy(); err != nil {
		t.Fatalf("healthy worker: %v", err)
	}
	_ = e.w.Conn().Publish(strings.Repeat("a", 10_000), nil)
	_ = e.w.Conn().Flush()
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		err := e.w.Healthy()
		return err != nil && strings.Contains(err.Error(), "closed for good"), "Healthy after the server closed the connection"
	})
	// Parts that lose the connection may report first; the worker's own
	// verdict follows after the grace.
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-e.w.Errors():
			if strings.Contains(err.Error(), "closed for good") {
				return
			}
		case <-timeout:
			t.Fatal("no 'closed for good' error on Errors() after the grace")
		}
	}
}
