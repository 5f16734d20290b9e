package worker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

func TestSegmentUpdatedFillsAudienceAndVariableGroup(t *testing.T) {
	e := newEnv(t)
	e.publish("customer-segment-updated", "seg-1", map[string]any{
		"audience": map[string]string{"id": "vip", "name": "VIP"},
		"contacts": []map[string]any{
			{"number": "+27 82 123 4567", "attributes": map[string]string{"first_name": "Thandi", "tier": "gold"}},
			{"number": "083 765 4321", "attributes": map[string]string{"first_name": "Sipho", "tier": "silver"}},
			{"number": "not-a-number", "attributes": map[string]string{"first_name": "X"}},
		},
		"variable_group": map[string]any{"id": "customers", "name": "customers", "fields": []string{"first_name", "tier"}},
	})
	e.settled(15 * time.Second)
	members, ok := e.sim.Audience("vip")
	if !ok || strings.Join(members, ",") != "+27821234567,+27837654321" {
		t.Fatalf("audience vip = %v (exists %v), want the two valid numbers in E.164", members, ok)
	}
	fields, values, ok := e.sim.VariableGroup("customers")
	if !ok || strings.Join(fields, ",") != "first_name,tier" {
		t.Fatalf("variable group fields = %v (exists %v)", fields, ok)
	}
	if got := values["+27837654321"]["first_name"]; got != "Sipho" {
		t.Fatalf("first_name of +27837654321 = %q, want Sipho", got)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Fatalf("a bad row must be reported, not dead-letter the event: %+v", dl)
	}
}

func TestAudienceFileUploadedFromAllowedDirAndObjectStore(t *testing.T) {
	e := newEnv(t)
	csv := "\ufeffPhone;First Name;Tier\n+27 82 000 0001;Ann;gold\n082 000 0002;Ben;silver\nbad;Cat;bronze\n"
	path := filepath.Join(e.dir, "list.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs, err := e.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "uploads"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.PutString(ctx, "2026/11/list.csv", strings.ReplaceAll(csv, "082 000 0002", "082 000 0003")); err != nil {
		t.Fatal(err)
	}
	cols := map[string]any{"number": "Phone", "fields": map[string]string{"first_name": "First Name", "tier": "Tier"}}
	e.publish("audience-file-uploaded", "file-1", map[string]any{
		"audience": map[string]string{"id": "from-file", "name": "from file"}, "source": map[string]string{"file": path},
		"columns": cols, "variable_group": map[string]string{"id": "customers", "name": "customers"},
	})
	e.publish("audience-file-uploaded", "file-2", map[string]any{
		"audience": map[string]string{"id": "from-store", "name": "from store"},
		"source":   map[string]any{"object_store": map[string]string{"bucket": "uploads", "key": "2026/11/list.csv"}},
		"columns":  cols,
	})
	e.settled(15 * time.Second)
	for id, want := range map[string]string{"from-file": "+27820000001,+27820000002", "from-store": "+27820000001,+27820000003"} {
		got, _ := e.sim.Audience(id)
		if strings.Join(got, ",") != want {
			t.Errorf("audience %s = %v, want %s", id, got, want)
		}
	}
	_, values, _ := e.sim.VariableGroup("customers")
	if values["+27820000002"]["tier"] != "silver" {
		t.Errorf("variable values from the CSV columns not merged: %v", values)
	}
}

func TestAudienceFileOutsideAllowedDirIsDeadLettered(t *testing.T) {
	e := newEnv(t)
	outside := filepath.Join(t.TempDir(), "secret.csv")
	if err := os.WriteFile(outside, []byte("number\n+27820000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.publish("audience-file-uploaded", "file-x", map[string]any{
		"audience": map[string]string{"id": "a", "name": "a"}, "source": map[string]string{"file": outside}})
	e.settled(15 * time.Second)
	dl := e.deadLetters()
	if len(dl) != 1 || dl[0].EventID != "file-x" || dl[0].Class == "" {
		t.Fatalf("dead letters = %+v, want file-x", dl)
	}
	if _, ok := e.sim.Audience("a"); ok {
		t.Fatal("a file outside the allowed directories must not be read")
	}
}

func TestSendPromoCreatesApprovedCampaignAndRunsIt(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 3)
	results := subscribeCount(t, e, e.cfg.Names.Prefix+".results.campaign.>")
	e.publish("send-promo", "promo-evt-1", promo("p-1", "Promo one", nil))
	e.settled(20 * time.Second)
	cs := e.campaignsTitled("Promo one")
	if len(cs) != 1 || len(cs[0].Runs) != 1 {
		t.Fatalf("campaigns = %+v, want one campaign with one run", cs)
	}
	if got := cs[0].Runs[0].Audiences; len(got) != 1 || got[0] != "vip" {
		t.Fatalf("run audiences = %v", got)
	}
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		n := results()
		return n >= 2, fmt.Sprintf("%d snapshots", n)
	})
}

func TestSendPromoAtScheduleUsesTimeToRun(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 1)
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	e.publish("send-promo", "evt-p-at", promo("p-at", "Promo at", map[string]any{"at": at.Format(time.RFC3339)}))
	e.settled(20 * time.Second)
	cs := e.campaignsTitled("Promo at")
	if len(cs) != 1 || len(cs[0].Runs) != 1 || !cs[0].Runs[0].TimeToRun.Equal(at) {
		t.Fatalf("campaigns = %+v, want one run with timeToRun %s", cs, at)
	}
}

func TestCronPromoIsStoredAndScheduleCancelledRemovesIt(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 1)
	e.publish("send-promo", "evt-p-cron", promo("p-cron", "Promo cron", map[string]any{"cron": "0 9 * * FRI", "time_zone": "Africa/Johannesburg"}))
	e.settled(20 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := e.js.KeyValue(ctx, e.cfg.Names.JobsBucket)
	if err != nil {
		t.Fatal(err)
	}
	key := jobKey(t, kv, "p-cron")
	if cs := e.campaignsTitled("Promo cron"); len(cs) != 1 || len(cs[0].Runs) != 0 {
		t.Fatalf("a cron promo creates its campaign and waits for its tick: %+v", cs)
	}
	e.publish("schedule-cancelled", "", map[string]any{"event_id": "cancel-1", "promo_id": "p-cron"})
	e.settled(15 * time.Second)
	if _, err := kv.Get(ctx, key); err == nil {
		t.Fatalf("job %s still stored after schedule-cancelled", key)
	}
}

// jobKey finds the jobs-bucket key that holds promoID.
func jobKey(t *testing.T, kv jetstream.KeyValue, promoID string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatalf("jobs bucket: %v", err)
	}
	for _, k := range keys {
		if strings.Contains(k, promoID) {
			return k
		}
	}
	t.Fatalf("no job for %s in %v", promoID, keys)
	return ""
}

func promo(id, title string, schedule map[string]any) map[string]any {
	p := map[string]any{
		"promo_id": id, "title": title,
		"message":   "Hi {customers.first_name}, 30% off today.",
		"buttons":   []map[string]string{{"text": "Shop now", "type": "url", "url": "https://shop.example.com/bf"}},
		"audiences": []string{"vip"}, "language_code": "enUS",
	}
	if schedule != nil {
		p["schedule"] = schedule
	}
	return p
}

// seedAudience fills audience id with n contacts (and customers values)
// through a segment event, and waits for it.
func seedAudience(e *env, id string, n int) {
	e.t.Helper()
	contacts := make([]map[string]any, n)
	for i := range contacts {
		contacts[i] = map[string]any{"number": fmt.Sprintf("+2782%07d", i+1), "attributes": map[string]string{"first_name": fmt.Sprintf("C%d", i)}}
	}
	e.publish("customer-segment-updated", "seed-"+id, map[string]any{
		"audience": map[string]string{"id": id, "name": id}, "contacts": contacts,
		"variable_group": map[string]any{"id": "customers", "name": "customers", "fields": []string{"first_name"}},
	})
	e.settled(15 * time.Second)
}

// subscribeCount counts core-NATS messages on subject.
func subscribeCount(t *testing.T, e *env, subject string) func() int {
	t.Helper()
	var n counter
	sub, err := e.nc.Subscribe(subject, func(*nats.Msg) { n.add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return n.get
}
