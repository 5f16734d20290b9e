package handlers

import (
	"context"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// RunInfo identifies a started run (the results poller's type).
type RunInfo = results.RunInfo

// RunObserver is told after each run is started or found already started
// (the results poller hooks in here; it must be idempotent per run id).
type RunObserver interface {
	RunStarted(ctx context.Context, info RunInfo) error
}
