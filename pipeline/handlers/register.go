package handlers

import (
	"context"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// Register adds a handler for each of the four event types to r.
func (h *Handlers) Register(r *pipeline.Router) {
	for _, t := range events.Types {
		r.Handle(t, h.handleMessage)
	}
}

// handleMessage runs Handle and marks its error for the runner.
func (h *Handlers) handleMessage(ctx context.Context, m *pipeline.Message) error {
	return classify(h.Handle(ctx, m.Type, m.ID, m.Data))
}
