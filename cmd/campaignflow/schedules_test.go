package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/jobs"
	"github.com/campaignflow/campaignflow/pipeline/scheduler"
)

// storeCronPromo stores a cron promo as the send-promo handler does.
func (e *opsEnv) storeCronPromo(t *testing.T, promoID, cron, tz string) {
	t.Helper()
	promo := `{"event_id":"e-` + promoID + `","promo_id":"` + promoID + `","title":"` + promoID + `","message":"hi",
	  "audiences":["all"],"schedule":{"cron":"` + cron + `","time_zone":"` + tz + `"}}`
	b, err := json.Marshal(jobs.Promo{Promo: json.RawMessage(promo), Cron: cron, TimeZone: tz, Until: jobs.Time{Time: time.Date(2099, 12, 31, 23, 0, 0, 0, time.FixedZone("", 2*3600))}, CreatedAt: jobs.Time{Time: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.topo.Jobs.Put(context.Background(), jobs.PromoKey(promoID), b); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulesListAndCancel(t *testing.T) {
	env := newOpsEnv(t)
	env.storeCronPromo(t, "bf-2026", "0 9 * * FRI", "Africa/Johannesburg")
	env.storeCronPromo(t, "daily", "0 0 8 * * *", "UTC")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(`schedules:
  - name: weekly-digest
    promo_id: bf-2026
    audiences: [all]
    cron: "0 10 * * MON"
    time_zone: Europe/London
`), 0o600); err != nil {
		t.Fatal(err)
	}

	r := execOps(t, "", "schedules", "list", "--nats-url", env.url, "--config", cfg)
	if r.code() != 0 {
		t.Fatalf("list: %v %s", r.err, r.stderr)
	}
	for _, want := range []string{"promo.bf-2026", "0 9 * * FRI", "Africa/Johannesburg", "promo.daily", "weekly-digest", "config", "never ran",
		"T07:00:00Z", "T09:00:00+02:00", "2099-12-31T23:00:00+02:00", "NEXT RUN (ZONE)", "UNTIL"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("schedules list lacks %q:\n%s", want, r.stdout)
		}
	}

	r = execOps(t, "", "schedules", "list", "--json", "--nats-url", env.url)
	var st []scheduler.JobStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("list --json: %v: %q", err, r.stdout)
	}
	if len(st) != 2 {
		t.Fatalf("list --json = %+v; want the two stored promos", st)
	}
	for _, s := range st {
		if s.Next.IsZero() || !s.Next.After(time.Now()) {
			t.Errorf("%s: next run %v; want a time in the future", s.ID, s.Next)
		}
	}

	r = execOps(t, "", "schedules", "cancel", "bf-2026", "--nats-url", env.url)
	if r.code() != 0 {
		t.Fatalf("cancel: %v", r.err)
	}
	if _, err := env.topo.Jobs.Get(context.Background(), jobs.PromoKey("bf-2026")); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("after cancel the job is still stored (err %v)", err)
	}
	r = execOps(t, "", "schedules", "list", "--nats-url", env.url)
	if strings.Contains(r.stdout, "bf-2026") || !strings.Contains(r.stdout, "promo.daily") {
		t.Errorf("list after cancel:\n%s", r.stdout)
	}
	if r := execOps(t, "", "schedules", "cancel", "no-such-promo", "--nats-url", env.url); r.err == nil {
		t.Error("cancel of an unknown schedule succeeded")
	}
}
