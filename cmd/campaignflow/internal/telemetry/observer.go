package telemetry

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/pipeline"
)

// RunnerObserver counts settled events (and dead letters by class); pass it
// to worker.WithRunnerObserver or pipeline.WithObserver.
func (t *Telemetry) RunnerObserver() pipeline.RunnerObserver { return runnerObserver{t} }

type runnerObserver struct{ t *Telemetry }

func (o runnerObserver) OnOutcome(ctx context.Context, eventType string, outcome pipeline.Outcome, class pipeline.Class, _ time.Duration) {
	typ := o.t.inst.eventTypes.label(eventType)
	o.t.inst.events.Add(ctx, 1, labels("event_type", typ, "outcome", string(outcome)))
	if outcome == pipeline.OutcomeDeadLetter {
		o.t.inst.deadLetters.Add(ctx, 1, labels("event_type", typ, "class", class.String()))
	}
}

// MultiObserver tells every non-nil observer.
func MultiObserver(obs ...pipeline.RunnerObserver) pipeline.RunnerObserver {
	var keep multiObserver
	for _, o := range obs {
		if o != nil {
			keep = append(keep, o)
		}
	}
	if len(keep) == 1 {
		return keep[0]
	}
	return keep
}

type multiObserver []pipeline.RunnerObserver

func (m multiObserver) OnOutcome(ctx context.Context, eventType string, outcome pipeline.Outcome, class pipeline.Class, d time.Duration) {
	for _, o := range m {
		o.OnOutcome(ctx, eventType, outcome, class, d)
	}
}
