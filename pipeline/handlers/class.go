package handlers

import (
	"errors"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/sources"
)

func validation(err error) error { return pipeline.Validation(err) }
func permanent(err error) error  { return pipeline.Permanent(err) }

// classify marks an error with what it means for its message (the runner
// acts on the mark, pipeline.ClassOf): invalid events and refused file
// locations are validation errors; a busy ledger claim is transient; Chat
// Inc's errors: validation (400) is validation, template-not-approved,
// unauthorized, 429, 5xx, ambiguous and network errors are transient (with
// their Retry-After), not found, too large and other 4xx are permanent.
// An error already marked keeps its mark; anything else stays unmarked,
// which the runner treats as transient.
func classify(err error) error {
	if err == nil {
		return nil // before the targets of errors.As, which are on the heap
	}
	var ve *events.ValidationError
	var busy *ledger.BusyError
	var ae *chatinc.APIError
	switch {
	case pipeline.Classified(err):
		return err
	case errors.As(err, &ve), errors.Is(err, sources.ErrLocationRefused):
		return pipeline.Validation(err)
	case errors.As(err, &busy):
		// The holder is usually done in milliseconds: retry on the runner's
		// backoff (1s, 2s, ...); a claim that ends later (a crashed holder's
		// expires within the claim TTL) is retried just after it ends.
		var wait time.Duration
		if d := time.Until(busy.Until); d > 0 && d <= ledger.DefaultClaimTTL {
			wait = d + 100*time.Millisecond
		}
		return pipeline.Transient(err, wait)
	case chatinc.IsTransient(err), errors.Is(err, chatinc.ErrTemplateNotApproved), errors.Is(err, chatinc.ErrUnauthorized):
		// An operator can fix a key or wait for an approval without losing events.
		d, _ := chatinc.RetryAfter(err)
		return pipeline.Transient(err, d)
	case errors.Is(err, chatinc.ErrValidation):
		return pipeline.Validation(err)
	case errors.Is(err, chatinc.ErrNotFound), errors.Is(err, chatinc.ErrTooLarge),
		errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 500:
		return pipeline.Permanent(err)
	}
	return err
}
