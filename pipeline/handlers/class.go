package handlers

import (
	"errors"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/sources"
)

func validation(err error) error { return pipeline.Validation(err) }
func permanent(err error) error  { return pipeline.Permanent(err) }

// classify marks errors pipeline.ClassOf cannot know: invalid events and
// refused file locations are validation errors; a busy ledger claim and
// transient Chat Inc errors are transient with their wait. The rest is
// classified by pipeline.ClassOf (Chat Inc 400 -> validation, other 4xx ->
// permanent, else transient).
func classify(err error) error {
	var ve *events.ValidationError
	var busy *ledger.BusyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve), errors.Is(err, sources.ErrLocationRefused):
		return pipeline.Validation(err)
	case errors.As(err, &busy):
		// The holder is usually done in milliseconds: retry on the runner's
		// backoff (1s, 2s, ...), which outlasts an expired claim of a
		// crashed holder well within MaxDeliver.
		return pipeline.Transient(err, 0)
	case chatinc.IsTransient(err):
		d, _ := chatinc.RetryAfter(err)
		return pipeline.Transient(err, d)
	}
	return err
}
