package worker

import (
	"context"
	"fmt"

	"github.com/campaignflow/campaignflow/chatinc"
)

// Example data the embedded sandbox starts with, so the contract's example
// events (README, deploy/events) work on a fresh `campaignflow run`: the
// send-promo example names audience vip-shoppers and {customers.*}.
var (
	exampleAudience = chatinc.Audience{ID: "vip-shoppers", Name: "VIP shoppers", Description: "sandbox example audience",
		Contacts: []chatinc.Contact{{Number: "+27821234567"}, {Number: "+27827654321"}}}
	exampleGroup = chatinc.VariableGroup{ID: "customers", Name: "customers", Fields: []string{"first_name", "tier"},
		Values: []chatinc.VariableValues{
			{Number: "+27821234567", Values: map[string]string{"first_name": "Thandi", "tier": "gold"}},
			{Number: "+27827654321", Values: map[string]string{"first_name": "Sipho", "tier": "silver"}},
		}}
)

// seedSandbox creates the example audience and variable group in the
// embedded sandbox (merges: harmless when they exist).
func (w *Worker) seedSandbox(ctx context.Context) error {
	if _, err := w.client.CreateAudience(ctx, exampleAudience); err != nil {
		return fmt.Errorf("worker: seed sandbox audience %s: %w", exampleAudience.ID, err)
	}
	if _, err := w.client.CreateVariableGroup(ctx, exampleGroup); err != nil {
		return fmt.Errorf("worker: seed sandbox variable group %s: %w", exampleGroup.ID, err)
	}
	w.log.Info("sandbox seeded with the contract's example audience and variable group, so its example events work",
		"audience", exampleAudience.ID, "variable_group", exampleGroup.ID)
	return nil
}
