package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/internal/kvscan"
)

// scanTimeout bounds one read of every run record.
const scanTimeout = 2 * time.Minute

// runRecord is one run key as a scan read it.
type runRecord struct {
	key string
	rec Record
	rev uint64
}

// scanRuns reads every run record in one pass of a KV watcher (latest
// values, deletes ignored): one stream read however many runs the ledger
// holds, not a Get per key. A value that is not a record is skipped with a
// warning naming the command that clears it.
func (l *Ledger) scanRuns(ctx context.Context) ([]runRecord, error) {
	var out []runRecord
	err := kvscan.Each(ctx, l.kv, runKeysFilters, scanTimeout, func(e jetstream.KeyValueEntry) {
		var rec Record
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			l.log.Warn("ledger: a run key holds invalid JSON; skipped", "key", e.Key(), "err", err,
				"fix", "campaignflow ledger forget "+e.Key()+" --yes")
			return
		}
		out = append(out, runRecord{key: e.Key(), rec: rec, rev: e.Revision()})
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: read run keys: %w", err)
	}
	return out, nil
}

// keyTime is the time a run key names (promo.<id>.run.<unix>,
// campaign.<id>.run.<unix>, a local-time zone's promo.<id>.run.<unix>.<zone>);
// false for promo.<id>.run.now.
func keyTime(key string) (time.Time, bool) {
	parts := strings.Split(key, ".")
	tok := parts[len(parts)-1]
	if len(parts) == 5 && parts[0] == "promo" && parts[2] == "run" {
		tok = parts[3]
	}
	sec, err := strconv.ParseInt(tok, 10, 64)
	if len(parts) < 2 || err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0).UTC(), true
}

// TickRunLead is how long after its tick a cron tick's run is scheduled
// (handlers.TickRunLead): its record's timeToRun is the tick plus this.
const TickRunLead = 2 * time.Second

// isTick says whether a run record is a cron tick's: a tick's run is
// scheduled TickRunLead after the tick its key names, while a send-promo's
// schedule.at run carries its own time, none, or a later one when quiet
// hours moved it (such records are kept: they stop a replay sending
// again), and an immediate run's key says "now".
func isTick(key string, rec Record) bool {
	at, ok := keyTime(key)
	return ok && rec.Run != nil && rec.Run.TimeToRun.Unix()-at.Unix() == int64(TickRunLead/time.Second)
}

// PruneTicks removes the finished records of cron ticks (a promo's or a
// configured campaign's) whose tick is before before: a per-second cron
// would otherwise add 86,400 keys a day for good, and every repair scan
// reads them all. A tick's record is needed only while the tick may still
// be retried or reconciled (until the next tick is due), so a retention of
// days loses nothing. Records of send-promo runs (now or schedule.at) are
// kept: they stop a replayed event from sending again. A record changed
// since it was read is left for the next pass (compare-and-set). It returns
// how many records it removed.
func (l *Ledger) PruneTicks(ctx context.Context, before time.Time) (int, error) {
	runs, err := l.scanRuns(ctx)
	if err != nil {
		return 0, err
	}
	pruned := 0
	for _, r := range runs {
		at, _ := keyTime(r.key)
		finished := r.rec.State == StateDone || r.rec.State == StateAbandoned
		if !finished || !isTick(r.key, r.rec) || !at.Before(before) {
			continue
		}
		if err := l.kv.Purge(ctx, r.key, jetstream.LastRevision(r.rev)); err != nil {
			if isWrongRevision(err) {
				continue
			}
			return pruned, fmt.Errorf("ledger: prune %s: %w", r.key, err)
		}
		pruned++
	}
	if pruned > 0 {
		// Purging leaves a marker per key; markers older than an hour (the
		// previous passes') are removed, so the bucket does not grow by
		// markers instead. Younger ones stay: a Create racing the removal
		// of its key's marker would fail once.
		if err := l.kv.PurgeDeletes(ctx, jetstream.DeleteMarkersOlderThan(time.Hour)); err != nil {
			return pruned, fmt.Errorf("ledger: remove old purge markers: %w", err)
		}
	}
	return pruned, nil
}
