package telemetry

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// maxRememberedRuns bounds the run -> trace map (oldest forgotten first).
const maxRememberedRuns = 10000

// runTraces remembers, in this process only, which trace started each run,
// so the results poller's later publishes join it. After a restart or on
// another replica the poll publishes start their own traces.
type runTraces struct {
	mu    sync.Mutex
	m     map[string]trace.SpanContext
	order []string
}

// RememberRun notes that ctx's span started run runID (call it from the
// handlers' run observer); snapshots and contact outcomes of the run
// published through CountResults then continue that trace.
func (t *Telemetry) RememberRun(ctx context.Context, runID string) {
	sc := trace.SpanContextFromContext(ctx)
	if runID == "" || !sc.IsValid() {
		return
	}
	r := &t.runs
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]trace.SpanContext{}
	}
	if _, ok := r.m[runID]; !ok {
		r.order = append(r.order, runID)
	}
	r.m[runID] = sc
	for len(r.order) > maxRememberedRuns {
		delete(r.m, r.order[0])
		r.order = r.order[1:]
	}
}

// runSpanContext is the remembered trace of runID.
func (t *Telemetry) runSpanContext(runID string) (trace.SpanContext, bool) {
	t.runs.mu.Lock()
	defer t.runs.mu.Unlock()
	sc, ok := t.runs.m[runID]
	return sc, ok
}
