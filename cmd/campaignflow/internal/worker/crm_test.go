package worker_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
)

// sendReports reads every send_report.v1 of promoID from the results stream.
func sendReports(t *testing.T, e *env, promoID string) []sinks.SendReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.js.Stream(ctx, e.cfg.Names.ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []sinks.SendReport
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil || m.Subject != e.cfg.Names.ResultSendSubject(promoID) {
			continue
		}
		var r sinks.SendReport
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestSendPromoFrequencyCapAndLocalTime: the worker wires the caps bucket
// and the send reports: a second capped promo within the cap's period
// leaves everyone out, and a local-time promo runs once per recipient zone
// to that zone's derived audience.
func TestSendPromoFrequencyCapAndLocalTime(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 2)
	e.publish("customer-segment-updated", "seed-uk", map[string]any{
		"audience": map[string]string{"id": "vip", "name": "vip"},
		"contacts": []map[string]any{{"number": "+44 20 7123 4567", "attributes": map[string]string{"first_name": "Ann"}}},
	})
	e.settled(15 * time.Second)
	capped := func(id string) map[string]any {
		p := promo(id, "Capped "+id, nil)
		p["frequency_cap"] = map[string]any{"max": 1, "per": "7d"}
		return p
	}
	e.publish("send-promo", "evt-cap-1", capped("cap-1"))
	e.settled(20 * time.Second)
	e.publish("send-promo", "evt-cap-2", capped("cap-2"))
	e.settled(20 * time.Second)
	first, second := e.campaignsTitled("Capped cap-1"), e.campaignsTitled("Capped cap-2")
	if len(first) != 1 || len(first[0].Runs) != 1 || first[0].Runs[0].Contacts != 3 || len(second) != 1 || len(second[0].Runs) != 0 {
		t.Fatalf("campaigns %+v and %+v: want the first run to 3 contacts, the second not run", first, second)
	}
	if r := sendReports(t, e, "cap-2"); len(r) != 1 || r[0].Capped != 3 || r[0].ContactsSent != 0 {
		t.Fatalf("cap-2 send reports %+v, want one with 3 capped", r)
	}

	n := time.Now().UTC()
	day := time.Date(n.Year(), n.Month()+2, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	local := promo("local", "Local", map[string]any{"local_time": "09:00", "date": day})
	e.publish("send-promo", "evt-local", local)
	e.settled(20 * time.Second)
	cs := e.campaignsTitled("Local")
	if len(cs) != 1 || len(cs[0].Runs) != 2 {
		t.Fatalf("campaigns %+v, want one with a run per zone (Johannesburg, London)", cs)
	}
	var zones []string
	for _, r := range sendReports(t, e, "local") {
		zones = append(zones, r.TimeZone)
	}
	slices.Sort(zones)
	if !slices.Equal(zones, []string{"Africa/Johannesburg", "Europe/London"}) {
		t.Fatalf("send reports for zones %v", zones)
	}
	var want, got []time.Time
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.ParseInLocation(time.DateOnly, day, loc)
		want = append(want, d.Add(9*time.Hour).UTC())
	}
	for _, r := range cs[0].Runs {
		got = append(got, r.TimeToRun.UTC())
	}
	slices.SortFunc(want, time.Time.Compare)
	slices.SortFunc(got, time.Time.Compare)
	if !slices.Equal(got, want) {
		t.Fatalf("runs at %v, want 09:00 in each zone: %v", got, want)
	}
}
