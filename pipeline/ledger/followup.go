package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// RunEntry is a run the ledger recorded as done without its follow-up
// (a poll plan): written by a version before follow-ups, or by an effect
// without one.
type RunEntry struct {
	Key     string
	PromoID string // "" for a campaign's config job
	// At is when the run started, as early as its poll plan may have counted
	// from: the requested time (a tick, or schedule.at) when the key names
	// one, else when it was recorded done (an immediate run's plan counts
	// from after that).
	At       time.Time
	Outcome  Outcome
	revision uint64
}

// runKeysFilters are the KV filters of every run key.
var runKeysFilters = []string{"promo.*.run.*", "campaign.*.run.*"}

// UnfollowedRuns lists the done runs whose follow-up is not recorded.
func (l *Ledger) UnfollowedRuns(ctx context.Context) ([]RunEntry, error) {
	lister, err := l.kv.ListKeysFiltered(ctx, slices.Clone(runKeysFilters)...) // it rewrites the slice in place
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("ledger: list run keys: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	var out []RunEntry
	for _, k := range keys {
		rec, rev, err := l.get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		if rec.State != StateDone || rec.FollowedUp || rec.Outcome.RunID == "" {
			continue
		}
		out = append(out, runEntry(k, rec, rev))
	}
	return out, nil
}

func runEntry(key string, rec Record, rev uint64) RunEntry {
	e := RunEntry{Key: key, Outcome: rec.Outcome, At: rec.DoneAt, revision: rev}
	parts := strings.Split(key, ".")
	if len(parts) == 4 && parts[0] == "promo" {
		if id, ok := ids.Untoken(parts[1]); ok {
			e.PromoID = id
		}
	}
	if len(parts) == 4 {
		if sec, err := strconv.ParseInt(parts[3], 10, 64); err == nil {
			e.At = time.Unix(sec, 0).UTC()
		}
	}
	if e.At.IsZero() {
		e.At = rec.IntentAt
	}
	return e
}

// MarkFollowedUp records that the run's follow-up is now stored
// (compare-and-set: a record changed meanwhile is left for the next scan).
func (l *Ledger) MarkFollowedUp(ctx context.Context, e RunEntry) error {
	rec, rev, err := l.get(ctx, e.Key)
	if err != nil {
		return err
	}
	if rev != e.revision || rec.FollowedUp {
		return nil
	}
	rec.FollowedUp = true
	if _, err := l.kv.Update(ctx, e.Key, mustJSON(rec), rev); err != nil && !isWrongRevision(err) {
		return fmt.Errorf("ledger: mark %s followed up: %w", e.Key, err)
	}
	return nil
}
