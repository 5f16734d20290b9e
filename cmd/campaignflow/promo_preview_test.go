package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// previewEnv is a sandbox holding two audiences and a variable group, and
// a record of every request promo preview sends it.
type previewEnv struct {
	sb  *sandbox.Server
	url string
	rec *sandboxtest.Recorder
}

// The sandbox's contacts: vip-shoppers holds 3 (one of them an invalid
// number: +1 555 0100 has no number range), newsletter 2 (one also in vip).
// seedClient is a Chat Inc client that seeds the sandbox at url; its
// connections close when the test ends.
func seedClient(t *testing.T, url string) *chatinc.Client {
	t.Helper()
	c, err := chatinc.New(url, "seed")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func newPreviewEnv(t *testing.T) *previewEnv {
	t.Helper()
	sb, url := sandboxtest.Start(t, sandbox.Options{Seed: 1})
	c := seedClient(t, url)
	ctx := context.Background()
	for _, a := range []chatinc.Audience{
		{ID: "vip-shoppers", Name: "VIP shoppers", Contacts: []chatinc.Contact{{Number: "+27821234567"}, {Number: "+1 555 0100"}, {Number: "+27821234568"}}},
		{ID: "newsletter", Name: "Newsletter", Contacts: []chatinc.Contact{{Number: "+27821234567"}, {Number: "+27831112222"}}},
	} {
		if _, err := c.CreateAudience(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: "customers", Name: "customers", Fields: []string{"first_name", "tier"},
		Values: []chatinc.VariableValues{{Number: "+27821234567", Values: map[string]string{"first_name": "Thandi", "tier": "gold"}}}}); err != nil {
		t.Fatal(err)
	}
	e := &previewEnv{sb: sb, url: url, rec: &sandboxtest.Recorder{}}
	previewTransport = func(rt http.RoundTripper) http.RoundTripper { e.rec.Next = rt; return e.rec }
	t.Cleanup(func() { previewTransport = nil })
	t.Setenv("CHATINC_API_KEY", "") // the sandbox at --chatinc-url
	return e
}

func (e *previewEnv) preview(t *testing.T, stdin string, args ...string) opsResult {
	t.Helper()
	return execOpsWithin(t, stdin, append([]string{"promo", "preview", "--chatinc-url", e.url}, args...)...)
}

// assertReadOnly fails unless every request since the start was to a
// retrieve endpoint and the sandbox's state is as it was (no campaign, no
// run, the same audiences and groups, no write endpoint called).
func (e *previewEnv) assertReadOnly(t *testing.T, before sandbox.StateDump) {
	t.Helper()
	for _, c := range e.rec.Seen() {
		method, path, _ := strings.Cut(c, " ")
		if !chatinc.IsReadEndpoint(path) || (method != http.MethodGet && method != http.MethodPost) {
			t.Errorf("preview called %s", c)
		}
	}
	after := e.sb.State()
	if !slices.Equal(campaignRuns(after), campaignRuns(before)) || !maps.Equal(after.Audiences, before.Audiences) || !maps.Equal(after.Groups, before.Groups) {
		t.Errorf("the sandbox's state changed: before %+v\nafter %+v", before, after)
	}
	for path, n := range after.Requests {
		if !chatinc.IsReadEndpoint(path) && n != before.Requests[path] {
			t.Errorf("the sandbox saw %d more %s requests", n-before.Requests[path], path)
		}
	}
}

// campaignRuns lists each campaign with its runs ("c_1:r_1,r_2"); a
// template's status is left out (it changes with the sandbox's time).
func campaignRuns(d sandbox.StateDump) []string {
	var out []string
	for _, c := range d.Campaigns {
		runs := make([]string, 0, len(c.Runs))
		for _, r := range c.Runs {
			runs = append(runs, r.ID)
		}
		out = append(out, c.ID+":"+strings.Join(runs, ","))
	}
	return out
}

// TestPromoPreviewRendersAndCountsReadingOnly: the contract's promo against
// a sandbox: the campaign as the worker would create it, the placeholders
// and audiences as Chat Inc has them, the reach (a number in two audiences
// counted once, the invalid one left out) and a masked sample; only
// retrieve endpoints are called and the sandbox is as it was.
func TestPromoPreviewRendersAndCountsReadingOnly(t *testing.T) {
	e := newPreviewEnv(t)
	before := e.sb.State()
	promo := strings.Replace(contractPromo, `["vip-shoppers"]`, `["vip-shoppers","newsletter","vip-shoppers"]`, 1)
	file := filepath.Join(t.TempDir(), "promo.json")
	if err := os.WriteFile(file, []byte(promo), 0o600); err != nil {
		t.Fatal(err)
	}

	r := e.preview(t, "", "--file", file)
	if r.code() != 0 {
		t.Fatalf("exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	for _, want := range []string{
		"send-promo bf-2026 (event promo-bf-2026)",
		"Black Friday 2026 (MARKETING template, language enUS)",
		"https://cdn.example.com/bf.jpg", `url "Shop now" https://shop.example.com/bf`,
		"Hi {customers.first_name}, 30% off for {customers.tier} members today.",
		"{customers.first_name}  yes", "vip-shoppers  yes          3", "newsletter    yes          2",
		"reach: would send to 3 of 5 contacts read (left out: 1 duplicate(s), 1 invalid number(s))",
		"invalid: ******100 in vip-shoppers: not a valid number for country code +1",
		"sample (3 of 3):", "*********567  vip-shoppers", "*********222  newsletter",
		"ok: the worker would create this campaign and run it (to 3 contact(s)); nothing was sent",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, number := range []string{"+27821234567", "27821234567", "+15550100"} {
		if strings.Contains(r.stdout+r.stderr, number) {
			t.Errorf("a number is printed unmasked (%s):\n%s", number, r.stdout)
		}
	}

	r = e.preview(t, promo, "--file", "-", "--json", "--sample", "1")
	if r.code() != 0 {
		t.Fatalf("--json: exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	var got struct {
		Valid    bool              `json:"valid"`
		PromoID  string            `json:"promo_id"`
		Campaign previewCampaign   `json:"campaign"`
		Schedule previewSchedule   `json:"schedule"`
		Vars     []previewVariable `json:"variables"`
		Reach    previewReach      `json:"reach"`
		Sample   []previewContact  `json:"sample"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, r.stdout)
	}
	rc := got.Reach
	if !got.Valid || got.PromoID != "bf-2026" || got.Campaign.TemplateType != "MARKETING" || got.Schedule.Kind != "at" ||
		len(got.Vars) != 2 || !got.Vars[1].Found || got.Vars[1].Values != 1 || got.Vars[1].WithoutValueAtLeast != 2 ||
		rc.Listed != 5 || rc.Read != 5 || !rc.Complete || rc.WouldSend != 3 || rc.Duplicates != 1 || rc.InvalidNumbers != 1 ||
		len(got.Sample) != 1 || got.Sample[0].Number != "*********567" || got.Sample[0].Message != got.Campaign.Message {
		t.Errorf("--json: %+v", got)
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal([]byte(r.stdout), &keys)
	for _, k := range []string{"valid", "problems", "chatinc", "event_id", "promo_id", "campaign", "schedule", "variables", "reach", "sample"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("--json lacks the documented field %q", k)
		}
	}

	// --max-contacts bounds the read, and says the counts are a lower bound.
	r = e.preview(t, "", "--file", file, "--max-contacts", "2", "--sample", "0")
	if r.code() != 0 || !strings.Contains(r.stdout, "would send to 1 of 2 contacts read (left out: 0 duplicate(s), 1 invalid number(s))") ||
		!strings.Contains(r.stdout, "only 2 of the 5 contacts Chat Inc lists were read") || strings.Contains(r.stdout, "sample (") ||
		!strings.Contains(r.stdout, "run it (to at least 1 contact(s))") {
		t.Errorf("--max-contacts 2: exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	// "all" is every audience.
	r = e.preview(t, "", "--data", `{"promo_id":"p","title":"t","message":"m","audiences":["all"]}`, "--json")
	if r.code() != 0 || !strings.Contains(r.stdout, `"would_send": 3`) || !strings.Contains(r.stdout, `"listed": 5`) {
		t.Errorf(`audiences ["all"]: exit %d\n%s%s`, r.code(), r.stdout, r.stderr)
	}
	if len(e.rec.Seen()) == 0 {
		t.Fatal("no request was recorded: the preview did not use its transport")
	}
	e.assertReadOnly(t, before)
}

// TestPromoPreviewProblems: a promo the worker would refuse exits 1 with
// every problem at the JSON pointer of its field, worded as `validate
// event` words it (the worker's checks), and nothing is changed at Chat Inc.
func TestPromoPreviewProblems(t *testing.T) {
	e := newPreviewEnv(t)
	before := e.sb.State()
	const ok = `"promo_id":"p","title":"t","message":"Hi","audiences":["vip-shoppers"]`
	tests := []struct {
		name, body string
		want       []string
	}{
		{"missing fields", `{"event_id":"e1","message":"Hi","audiences":["vip-shoppers"]}`,
			[]string{"/promo_id: is required", "/title: is required"}},
		{"button mix", `{` + ok + `,"buttons":[{"text":"Shop","type":"url","url":"https://shop.example.com"},{"text":"Yes","type":"input","input":"yes"}]}`,
			[]string{"/buttons: phone and url buttons can only be used together with each other"}},
		{"bad cron", `{` + ok + `,"schedule":{"cron":"every friday"}}`, []string{"/schedule/cron:"}},
		{"id too long", `{"promo_id":"` + strings.Repeat("p", 257) + `","title":"t","message":"Hi","audiences":["vip-shoppers"]}`,
			[]string{"/promo_id: invalid id:"}},
		{"id not printable", `{"promo_id":"p\u0007","title":"t","message":"Hi","audiences":["vip-shoppers"]}`,
			[]string{"/promo_id: invalid id:"}},
		{"invalid UTF-8", "{\"promo_id\":\"p\xff\",\"title\":\"t\",\"message\":\"Hi\",\"audiences\":[\"vip\xfe\"]}",
			[]string{"/promo_id: invalid id: U+FFFD", "/audiences/0: invalid id: U+FFFD"}},
		{"not JSON", `{"promo_id":`, []string{"/: not a JSON object"}},
		{"frequency cap out of bounds", `{` + ok + `,"frequency_cap":{"max":0,"per":"100d"}}`, []string{"/frequency_cap/max:", `/frequency_cap/per: "100d" must be from 1h to 90d`}},
		{"cloudevents type of another event", `{"specversion":"1.0","id":"ce-1","type":"schedule-cancelled","source":"shop","data":{` + ok + `}}`,
			[]string{`/type: pipeline: CloudEvents type "schedule-cancelled" disagrees with subject "chatinc.events.send-promo"`}},
		{"cloudevents envelope", `{"specversion":"1.0","id":"ce-1","type":"send-promo","source":"shop","data":{` + ok + `,"buttons":[{"text":"x","type":"phone","phone_number":"12"}]}}`,
			[]string{"/data/buttons/0/phoneNumber:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.preview(t, tc.body, "--file", "-")
			if r.code() != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", r.code(), r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, "  - "+w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			// The same problems, in the same words, as validate event.
			v := execOps(t, tc.body, "validate", "event", "send-promo", "-")
			if got, want := problemLines(r.stderr), problemLines(v.stderr); !slices.Equal(got, want) {
				t.Errorf("preview lists %q\nvalidate event lists %q", got, want)
			}
			j := e.preview(t, tc.body, "--file", "-", "--json")
			var out promoPreview
			if err := json.Unmarshal([]byte(j.stdout), &out); j.code() != 1 || err != nil || out.Valid || len(out.Problems) != len(problemLines(r.stderr)) {
				t.Errorf("--json: exit %d, %v: %s", j.code(), err, j.stdout)
			}
		})
	}

	// What Chat Inc lacks: the campaign would be refused (placeholders) or
	// the promo retried, then dead-lettered (audiences).
	body := `{"promo_id":"p","title":"t","message":"Hi {customers.first_name} {customers.shoe_size} {nobody.x}","audiences":["vip-shoppers","vpi"]}`
	r := e.preview(t, "", "--data", body)
	for _, want := range []string{
		"has 3 problem(s)",
		`/message: {customers.shoe_size}: variable group "customers" has no field "shoe_size" (it has: first_name, tier)`,
		`/message: {nobody.x}: Chat Inc has no variable group "nobody" (it has: customers)`,
		`/audiences/1: Chat Inc has no audience "vpi" (it has: vip-shoppers, newsletter)`,
	} {
		if r.code() != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%s", r.code(), want, r.stderr)
		}
	}
	if !slices.Equal(tableRow(r.stdout, "{customers.shoe_size}"), []string{"{customers.shoe_size}", "NO", "1", "1"}) ||
		!slices.Equal(tableRow(r.stdout, "vpi"), []string{"vpi", "NO", "0"}) {
		t.Errorf("the table does not mark what Chat Inc lacks:\n%s", r.stdout)
	}
	e.assertReadOnly(t, before)
}

// tableRow is the cells of the table row of out that starts with first.
func tableRow(out, first string) []string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == first {
			return f
		}
	}
	return nil
}

// problemLines are the "  - ..." lines of a problem list.
func problemLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "  - ") {
			out = append(out, l)
		}
	}
	return out
}

// TestPromoPreviewUsageAndHostileInput: flag and argument mistakes exit 2;
// input that cannot be a send-promo (a directory, a FIFO, a device, more
// than an event's 1 MiB, nothing) exits 1 with what is wrong, without
// hanging or calling Chat Inc.
func TestPromoPreviewUsageAndHostileInput(t *testing.T) {
	e := newPreviewEnv(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "promo.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, []byte(`{"promo_id":"p"}`+strings.Repeat(" ", 2<<20)), 0o600); err != nil {
		t.Fatal(err)
	}
	hugeData := `{"promo_id":"p","title":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"no input", "", nil, 2, "give the send-promo with --file F"},
		{"file and data", "", []string{"--file", "x.json", "--data", "{}"}, 2, "either --file or --data, not both"},
		{"sample too large", "", []string{"--data", "{}", "--sample", "101"}, 2, "--sample 101: give 0 to 100"},
		{"sample not a number", "", []string{"--data", "{}", "--sample", "many"}, 2, `invalid argument "many" for "--sample"`},
		{"negative max contacts", "", []string{"--data", "{}", "--max-contacts", "-1"}, 2, "--max-contacts -1"},
		{"unknown flag", "", []string{"--data", "{}", "--dry"}, 2, "unknown flag: --dry"},
		{"an argument", "", []string{"promo.json"}, 2, `unknown command "promo.json"`},
		{"directory", "", []string{"--file", dir}, 1, dir + " is a directory, not a regular file"},
		{"FIFO", "", []string{"--file", fifo}, 1, "is a named pipe (FIFO), not a regular file"},
		{"device", "", []string{"--file", "/dev/zero"}, 1, "/dev/zero is a character device, not a regular file"},
		{"missing file", "", []string{"--file", filepath.Join(dir, "nope.json")}, 1, "no such file"},
		{"huge file", "", []string{"--file", huge}, 1, "is larger than 1 MiB, the largest event NATS accepts"},
		{"huge stdin", strings.Repeat(" ", 2<<20), []string{"--file", "-"}, 1, "standard input is larger than 1 MiB"},
		{"huge --data", "", []string{"--data", hugeData}, 1, "larger than 1 MiB, the largest event NATS accepts"},
		{"blank --data", "", []string{"--data", " \n"}, 1, "--data is empty"},
		{"empty stdin", "", []string{"--file", "-"}, 1, "standard input is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.preview(t, tc.stdin, tc.args...)
			out := r.stdout + r.stderr
			if r.err != nil {
				out += r.err.Error()
			}
			if r.code() != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s", r.code(), tc.code, tc.want, out)
			}
		})
	}
	if calls := e.rec.Seen(); len(calls) != 0 {
		t.Errorf("input that is not a send-promo reached Chat Inc: %v", calls)
	}
	// A Chat Inc that does not answer: exit 1, saying which (its password hidden).
	r := execOpsWithin(t, "", "promo", "preview", "--chatinc-url", "http://user:s3cret@127.0.0.1:1", "--timeout", "1s",
		"--data", `{"promo_id":"p","title":"t","message":"m","audiences":["a"]}`)
	if r.code() != 1 || r.err == nil || !strings.Contains(r.err.Error(), "Chat Inc at http://user:xxxxx@127.0.0.1:1; nothing was changed there") ||
		strings.Contains(r.err.Error()+r.stdout+r.stderr, "s3cret") {
		t.Errorf("unreachable Chat Inc: exit %d, %v", r.code(), r.err)
	}
	// Help explains it with an example.
	r = execOps(t, "", "promo", "preview", "--help")
	if r.code() != 0 || !strings.Contains(r.stdout, "campaignflow promo preview --file deploy/events/send-promo.json") ||
		!strings.Contains(r.stdout, "read endpoints") {
		t.Errorf("--help: exit %d\n%s", r.code(), r.stdout)
	}
}

// TestPromoPreviewQuietHours: the run's start is the handler's
// (handlers.PromoStart): a cron tick at 22:00 UTC inside quiet hours
// 21:00-08:00 starts at 08:00, from the promo's quiet_hours or the
// configured promo.quiet_hours; "00:00-00:00" on the promo turns the
// default off.
func TestPromoPreviewQuietHours(t *testing.T) {
	e := newPreviewEnv(t)
	const cron = `"promo_id":"p","title":"t","message":"Hi","audiences":["newsletter"],"schedule":{"cron":"0 22 * * *","time_zone":"UTC"}`
	tests := []struct {
		name, promo, env string
		quiet            bool
	}{
		{"the promo's", `{"quiet_hours":"21:00-08:00",` + cron + `}`, "", true},
		{"the configured default", `{` + cron + `}`, "21:00-08:00", true},
		{"turned off by the promo", `{"quiet_hours":"00:00-00:00",` + cron + `}`, "21:00-08:00", false},
		{"outside", `{"quiet_hours":"03:00-04:00",` + cron + `}`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CAMPAIGNFLOW_PROMO__QUIET_HOURS", tc.env)
			r := e.preview(t, "", "--data", tc.promo, "--json")
			var got promoPreview
			if err := json.Unmarshal([]byte(r.stdout), &got); r.code() != 0 || err != nil || got.Schedule == nil || got.Schedule.Next == nil || got.Schedule.Start == nil {
				t.Fatalf("exit %d, %v:\n%s%s", r.code(), err, r.stdout, r.stderr)
			}
			s := got.Schedule
			want := *s.Next
			if tc.quiet {
				want = want.Add(10 * time.Hour)
			}
			if s.Quiet != tc.quiet || !s.Start.Equal(want) || s.Next.Hour() != 22 {
				t.Errorf("schedule %+v: want in quiet hours %v, start %s", s, tc.quiet, want)
			}
		})
	}
	t.Setenv("CAMPAIGNFLOW_PROMO__QUIET_HOURS", "25:00-08:00")
	if r := e.preview(t, "", "--data", `{`+cron+`}`); r.code() != 1 || !strings.Contains(r.stderr, "CAMPAIGNFLOW_PROMO__QUIET_HOURS") {
		t.Errorf("a bad configured window: exit %d\n%s", r.code(), r.stderr)
	}
}

// natsState is every stream's last sequence: any write (a publish, a KV
// put or delete) moves one.
func natsState(t *testing.T, env *opsEnv) map[string]uint64 {
	t.Helper()
	ctx := context.Background()
	out := map[string]uint64{}
	names := env.js.StreamNames(ctx)
	for name := range names.Name() {
		s, err := env.js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = info.State.LastSeq
	}
	if err := names.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPromoPreviewReadsTheLedger: with --nats-url the preview reads the
// worker's ledger: a promo id with a campaign already is run with that
// campaign (its message is what the sample shows), a run recorded for the
// same time is not made again, and a campaign the ledger names but Chat
// Inc lacks is the worker's permanent failure. Nothing is written to NATS
// or Chat Inc.
func TestPromoPreviewReadsTheLedger(t *testing.T) {
	e := newPreviewEnv(t)
	env := newOpsEnv(t)
	ctx := context.Background()
	c := seedClient(t, e.url)
	old, err := c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "BF", Message: "Old offer for {customers.first_name}"})
	if err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339, "2026-11-27T09:00:00+02:00") // the contract promo's schedule.at
	put := func(key string, rec ledger.Record) {
		b, _ := json.Marshal(rec)
		if _, err := env.topo.Ledger.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
	put(ledger.CampaignKey("bf-2026"), ledger.Record{State: ledger.StateDone, Outcome: ledger.Outcome{CampaignID: old.CampaignID}})
	put(ledger.RunKey("bf-2026", at), ledger.Record{State: ledger.StateDone, Outcome: ledger.Outcome{CampaignID: old.CampaignID, RunID: "r_9", At: at}})
	put(ledger.CampaignKey("gone"), ledger.Record{State: ledger.StateDone, Outcome: ledger.Outcome{CampaignID: "c_deleted"}})
	beforeNATS, beforeSandbox := natsState(t, env), e.sb.State()
	if beforeNATS["KV_campaignflow_ledger"] == 0 || len(beforeNATS) < 4 {
		t.Fatalf("streams %v: want the worker's topology with the ledger written", beforeNATS)
	}

	r := e.preview(t, contractPromo, "--file", "-", "--nats-url", env.url)
	for _, want := range []string{
		"ledger: promo bf-2026 has campaign " + old.CampaignID + " already (promo.bf-2026.campaign on " + env.url + ")",
		"its message: Old offer for {customers.first_name}",
		"run " + ledger.RunKey("bf-2026", at) + " is recorded (done, run r_9 at 2026-11-27T07:00:00Z)",
		"*********567  vip-shoppers  Old offer for {customers.first_name}",
		"ok: the worker would reuse campaign " + old.CampaignID + " and send nothing",
	} {
		if r.code() != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, stdout lacks %q:\n%s%s", r.code(), want, r.stdout, r.stderr)
		}
	}
	r = e.preview(t, contractPromo, "--file", "-", "--json", "--nats-url", env.url)
	var got promoPreview
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Ledger == nil || !got.Ledger.InChatInc || got.Ledger.RunID != "r_9" ||
		got.Ledger.RunState != ledger.StateDone || got.Ledger.Message != "Old offer for {customers.first_name}" {
		t.Errorf("--json: %v\n%s", err, r.stdout)
	}

	// A new promo id: the event's campaign would be created.
	fresh := strings.Replace(contractPromo, `"bf-2026"`, `"bf-2027"`, 1)
	if r := e.preview(t, fresh, "--file", "-", "--nats-url", env.url); r.code() != 0 ||
		!strings.Contains(r.stdout, "ledger: no campaign for promo bf-2027 yet") || !strings.Contains(r.stdout, "would create this campaign and run it (to 2 contact(s))") {
		t.Errorf("a fresh promo id: exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	// The ledger names a campaign Chat Inc lacks: the worker dead-letters it.
	gone := `{"promo_id":"gone","title":"t","message":"m","audiences":["newsletter"]}`
	if r := e.preview(t, "", "--data", gone, "--nats-url", env.url); r.code() != 1 ||
		!strings.Contains(r.stderr, "/promo_id: the ledger and Chat Inc disagree: Chat Inc has no campaign c_deleted") ||
		!strings.Contains(r.stderr, "campaignflow ledger forget promo.gone.campaign --yes") {
		t.Errorf("a campaign gone from Chat Inc: exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	// NATS that cannot be reached is said, not skipped silently.
	if r := e.preview(t, "", "--data", gone, "--nats-url", "nats://127.0.0.1:1"); r.code() != 1 || r.err == nil ||
		!strings.Contains(r.err.Error(), "cannot reach NATS at nats://127.0.0.1:1") {
		t.Errorf("unreachable NATS: exit %d, %v", r.code(), r.err)
	}
	if after := natsState(t, env); !maps.Equal(after, beforeNATS) {
		t.Errorf("NATS was written to: streams' last sequences %v, then %v", beforeNATS, after)
	}
	e.assertReadOnly(t, beforeSandbox)
}

// TestPromoPreviewFrequencyCap: a capped promo's reach leaves out what the
// handler's rule (handlers.CapVerdict over handlers.CapCounts) leaves out:
// with --nats-url, the contacts with max capped sends within per (counted
// in the caps bucket); without it the counters are not read and it says so.
func TestPromoPreviewFrequencyCap(t *testing.T) {
	e := newPreviewEnv(t)
	env := newOpsEnv(t)
	ctx := context.Background()
	counter := caps.New(env.topo.Caps)
	now := time.Now()
	for _, run := range []string{"promo.a.run.now", "promo.b.run.now"} {
		if err := counter.Record(ctx, run, "a", []string{"+27821234567"}, now.Add(-time.Hour), 7*24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := counter.Record(ctx, "promo.a.run.now", "a", []string{"+27831112222"}, now.Add(-time.Hour), 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	beforeNATS, beforeSandbox := natsState(t, env), e.sb.State()
	promo := `{"promo_id":"capped","title":"t","message":"Hi","audiences":["vip-shoppers","newsletter"],"frequency_cap":{"max":2,"per":"7d"}}`

	r := e.preview(t, "", "--data", promo, "--nats-url", env.url)
	for _, want := range []string{
		"reach: would send to 2 of 5 contacts read (left out: 1 duplicate(s), 1 invalid number(s), 1 capped)",
		"frequency cap 2 per 7d: the counters were read (run promo.capped.run.now)",
		"*********568  vip-shoppers", "*********222  newsletter",
	} {
		if r.code() != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, stdout lacks %q:\n%s%s", r.code(), want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "*********567  ") {
		t.Errorf("the capped contact is in the sample:\n%s", r.stdout)
	}
	r = e.preview(t, "", "--data", promo, "--nats-url", env.url, "--json")
	var got promoPreview
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.FrequencyCap == nil || !got.FrequencyCap.Checked ||
		got.Reach == nil || got.Reach.Capped != 1 || got.Reach.WouldSend != 2 {
		t.Errorf("--json: %v\n%s", err, r.stdout)
	}
	// Without NATS the cap is not applied, and the preview says so.
	r = e.preview(t, "", "--data", promo)
	if r.code() != 0 || !strings.Contains(r.stdout, "would send to 3 of 5") ||
		!strings.Contains(r.stdout, "frequency cap 2 per 7d: counters not read; with --nats-url") {
		t.Errorf("without --nats-url: exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	if after := natsState(t, env); !maps.Equal(after, beforeNATS) {
		t.Errorf("NATS was written to: streams' last sequences %v, then %v", beforeNATS, after)
	}
	e.assertReadOnly(t, beforeSandbox)
}
