package results

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/sinks"
)

// advance runs the plan's next poll: the snapshot (skipped if already acked
// for this poll), then the changed contact rows; only after their publishes
// are acknowledged does it move the plan on, with compare-and-set on the
// revision (deleting the plan after the last poll). A crash in between
// repeats part of the poll, which the results stream deduplicates by
// message id.
func (p *Poller) advance(ctx context.Context, key string, rev uint64, plan Plan) error {
	poll := plan.Next + 1
	if plan.SnapshotDone != poll {
		if err := p.publishSnapshot(ctx, plan.Run, poll); err != nil {
			return err
		}
		plan.SnapshotDone = poll
		var err error
		if rev, err = p.update(ctx, key, rev, plan); err != nil {
			return err
		}
	}
	if err := p.publishContacts(ctx, key, plan.Run, poll); err != nil {
		return err
	}
	plan.Next++
	plan.LastError, plan.Failures, plan.RetryAt = "", 0, time.Time{}
	if plan.Done() {
		if err := p.kv.Delete(ctx, key, jetstream.LastRevision(rev)); err != nil {
			return fmt.Errorf("results: finish poll plan %s: %w", key, err)
		}
		if err := p.state.remove(ctx, key); err != nil {
			p.opt.log.Warn("results: contact statuses not removed", "key", key, "err", err)
		}
		p.opt.log.Info("results: poll plan done", "key", key, "polls", poll)
		return nil
	}
	_, err := p.update(ctx, key, rev, plan)
	return err
}

func (p *Poller) update(ctx context.Context, key string, rev uint64, plan Plan) (uint64, error) {
	b, _ := json.Marshal(plan)
	rev, err := p.kv.Update(ctx, key, b, rev)
	if err != nil {
		return 0, fmt.Errorf("results: update poll plan %s at poll %d (another replica may have moved it): %w", key, plan.Next+1, err)
	}
	return rev, nil
}

// Repoll publishes poll number poll (1-based) of a run again, outside its
// plan. The snapshot carries the same message id as the first time, so the
// stream keeps one copy within its duplicate window; contact rows go out
// only if they changed since the last published statuses.
func (p *Poller) Repoll(ctx context.Context, run RunInfo, poll int) error {
	if err := p.open(ctx); err != nil {
		return err
	}
	if poll < 1 {
		return fmt.Errorf("results: poll number %d: polls are numbered from 1", poll)
	}
	if err := p.publishSnapshot(ctx, run, poll); err != nil {
		return err
	}
	return p.publishContacts(ctx, pollKey(run.CampaignID, run.RunID), run, poll)
}

// publishSnapshot reads the run's counts and publishes them, waiting for the ack.
func (p *Poller) publishSnapshot(ctx context.Context, run RunInfo, poll int) error {
	campaigns, err := p.client.RetrieveCampaigns(ctx, retrieveAll())
	if err != nil {
		return fmt.Errorf("results: poll %d of %s/%s: %w", poll, run.CampaignID, run.RunID, err)
	}
	snap, err := snapshotOf(campaigns, run, poll, p.opt.clock.Now())
	if err != nil {
		return err
	}
	if err := p.pub.PublishSnapshot(inRunTrace(ctx, run), snap); err != nil {
		return fmt.Errorf("results: publish snapshot %s:%s:%d: %w", run.CampaignID, run.RunID, poll, err)
	}
	if err := p.flush(ctx); err != nil {
		return fmt.Errorf("results: waiting for the ack of snapshot %s:%s:%d: %w", run.CampaignID, run.RunID, poll, err)
	}
	p.opt.log.Info("results: snapshot published", "campaign_id", run.CampaignID, "run_id", run.RunID, "poll", poll,
		"sent", snap.Sent, "delivered", snap.Delivered, "read", snap.Read)
	if n, ok := runContacts(campaigns, run); poll == 1 && ok && n == 0 {
		p.opt.log.Warn("results: the run reached 0 contacts: its audiences were empty when it started, so nothing was sent",
			"campaign_id", run.CampaignID, "run_id", run.RunID, "promo_id", run.PromoID)
	}
	return nil
}

// runContacts is how many contacts Chat Inc says run has (ok: listed).
func runContacts(campaigns []chatinc.Campaign, run RunInfo) (int64, bool) {
	for _, c := range campaigns {
		if c.CampaignID != run.CampaignID {
			continue
		}
		for _, r := range c.Runs {
			if r.RunID == run.RunID {
				return r.Contacts, true
			}
		}
	}
	return 0, false
}

// publishContacts publishes the rows whose status changed since the last
// published statuses, waits for the acks, then stores the new statuses.
func (p *Poller) publishContacts(ctx context.Context, key string, run RunInfo, poll int) error {
	prev, err := p.state.load(ctx, key)
	if err != nil {
		return err
	}
	cur := make(statuses, len(prev))
	var changed []sinks.ContactOutcome
	for row, err := range contactRows(ctx, p.client, run) {
		if err != nil {
			return err
		}
		cur[row.Number] = row.Status
		if prev[row.Number] != row.Status {
			changed = append(changed, row)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := p.pub.PublishContactOutcomes(inRunTrace(ctx, run), run.CampaignID, run.RunID, poll, changed); err != nil {
		return fmt.Errorf("results: publish %d contact outcomes of %s/%s poll %d: %w", len(changed), run.CampaignID, run.RunID, poll, err)
	}
	if err := p.flush(ctx); err != nil {
		return fmt.Errorf("results: waiting for the acks of contact outcomes of %s/%s poll %d: %w", run.CampaignID, run.RunID, poll, err)
	}
	p.opt.log.Info("results: contact outcomes published", "campaign_id", run.CampaignID, "run_id", run.RunID, "poll", poll, "changed", len(changed))
	return p.state.save(ctx, key, cur)
}

func (p *Poller) flush(ctx context.Context) error {
	if f, ok := p.pub.(flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}
