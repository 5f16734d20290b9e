package sandbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

func TestRejections(t *testing.T) {
	sb, base := sandboxtest.Start(t, sandbox.Options{APIKey: "right"})
	_ = sb
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf(`{"number":"+2782%07d"}`, i)
	}
	cases := []struct {
		name, path, key, body string
		status                int
		want                  string
	}{
		{"wrong key", "/v1/retrieve/audiences", "wrong", `{}`, 401, "invalid API key"},
		{"bearer", "/v1/retrieve/audiences", "Bearer right", `{}`, 401, "not `Bearer <key>`"},
		{"unknown placeholder", "/v1/create/campaign", "right", `{"title":"t","message":"Hi {users.first_name}"}`, 400, `unknown variable group "users"`},
		{"input+phone", "/v1/create/campaign", "right", `{"title":"t","message":"m","buttons":[{"text":"a","type":"input"},{"text":"b","type":"phone","phoneNumber":"+27821234567"}]}`, 400, "cannot be combined"},
		{"bad number", "/v1/create/audience", "right", `{"id":"a","name":"a","contacts":[{"number":"12ab"}]}`, 400, "contacts[0]: invalid number"},
		{"new audience needs a name", "/v1/create/audience", "right", `{"id":"a","contacts":[]}`, 400, "name is required"},
		{"too many contacts", "/v1/create/audience", "right", `{"id":"a","name":"a","contacts":[` + strings.Join(many, ",") + `]}`, 413, "at most 1000 contacts"},
		{"run unknown campaign", "/v1/run/campaign", "right", `{"campaignId":"nope","audiences":["all"]}`, 404, "not found"},
		{"run without audiences", "/v1/run/campaign", "right", `{"campaignId":"nope"}`, 400, "audiences is required"},
		{"value not a field", "/v1/create/variable/group", "right", `{"id":"g","name":"g","fields":["a"],"values":[{"number":"+27821234567","b":"x"}]}`, 400, `"b" is not a field`},
		{"not json", "/v1/create/audience", "right", `{"id":`, 400, "invalid JSON"},
		{"unknown path", "/v1/create/nothing", "right", `{}`, 404, "no such endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m, raw := post(t, base, tc.path, tc.key, []byte(tc.body))
			if code != tc.status || !strings.Contains(fmt.Sprint(m["error"]), tc.want) {
				t.Fatalf("%d %s; want %d with %q", code, raw, tc.status, tc.want)
			}
		})
	}
}

func TestApprovalAndRunTiming(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sb, base := sandboxtest.Start(t, sandbox.Options{ApproveAfter: 10 * time.Second, Clock: clock, TimeScale: 2})
	post(t, base, "/v1/create/audience", "k", []byte(`{"id":"a","name":"a","contacts":[{"number":"+27821234567"},{"number":"+27821234568"}]}`))
	_, m, _ := post(t, base, "/v1/create/campaign", "k", []byte(`{"title":"t","message":"m"}`))
	id := m["campaignId"].(string)
	if code, _, raw := post(t, base, "/v1/run/campaign", "k", []byte(`{"campaignId":"`+id+`","audiences":["a"]}`)); code != 409 || !strings.Contains(string(raw), "template_not_approved") {
		t.Fatalf("run before approval: %d %s", code, raw)
	}
	clock.Advance(5 * time.Second) // 10s of simulated time at scale 2
	later := sb.Now().Add(time.Hour).Unix()
	if code, _, raw := post(t, base, "/v1/run/campaign", "k", []byte(fmt.Sprintf(`{"campaignId":"%s","audiences":["a"],"timeToRun":%d}`, id, later))); code != 200 {
		t.Fatalf("run after approval: %d %s", code, raw)
	}
	runs := sb.Runs(id)
	if len(runs) != 1 || runs[0].Status != "scheduled" || runs[0].Sent != 0 {
		t.Fatalf("runs = %+v", runs)
	}
	sb.Advance(4 * time.Hour)
	runs = sb.Runs(id)
	if runs[0].Status != "done" || runs[0].Contacts != 2 {
		t.Fatalf("after 4h: %+v", runs[0])
	}
	past := sb.Now().Add(-2 * time.Hour).Unix()
	if code, _, raw := post(t, base, "/v1/run/campaign", "k", []byte(fmt.Sprintf(`{"campaignId":"%s","audiences":["a"],"timeToRun":%d}`, id, past))); code != 400 || !strings.Contains(string(raw), "in the past") {
		t.Fatalf("past timeToRun: %d %s", code, raw)
	}
}

// TestDeliveryIsDeterministic runs 2,000 contacts twice with one seed: the
// same outcomes; the totals add up; another seed differs.
func TestDeliveryIsDeterministic(t *testing.T) {
	run := func(seed int64) sandbox.RunState {
		sb, base := sandboxtest.Start(t, sandbox.Options{Seed: seed})
		for b := range 2 {
			var cs []string
			for i := range 1000 {
				cs = append(cs, fmt.Sprintf(`{"number":"+2782%07d"}`, b*1000+i))
			}
			post(t, base, "/v1/create/audience", "k", []byte(`{"id":"a","name":"a","contacts":[`+strings.Join(cs, ",")+`]}`))
		}
		sb.SeedCampaign("c", "t", "m")
		post(t, base, "/v1/run/campaign", "k", []byte(`{"campaignId":"c","audiences":["all"]}`))
		sb.Advance(3 * time.Hour)
		st := sb.State()
		if st.Requests["/v1/run/campaign"] != 1 {
			t.Fatalf("requests = %v", st.Requests)
		}
		return sb.Runs("c")[0]
	}
	a, b, c := run(1), run(1), run(2)
	a.ID, b.ID, c.ID = "", "", ""
	a.StartAt, b.StartAt = time.Time{}, time.Time{}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed differs: %+v vs %+v", a, b)
	}
	if a.Contacts != 2000 || a.Sent < 1900 || a.Delivered > a.Sent || a.Read > a.Delivered || a.Read < 1000 {
		t.Fatalf("implausible totals %+v", a)
	}
	if a.Read == c.Read && a.Delivered == c.Delivered {
		t.Fatalf("another seed gave the same outcome %+v", c)
	}
}

// TestUploadCap: an upload over the cap is refused with 413, whether its
// size is declared or only found while reading (chunked).
func TestUploadCap(t *testing.T) {
	_, base := sandboxtest.Start(t, sandbox.Options{MaxUploadBytes: 64 << 10})
	big := "number\n" + strings.Repeat("+27821234567\n", 10_000)
	code, m := upload(t, base, "/v1/create/audience/from/file", map[string]string{"id": "a", "name": "a"}, big)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(fmt.Sprint(m), "exceeds 65536 bytes") {
		t.Fatalf("declared size: %d %v", code, m)
	}
	code, m = uploadChunked(t, base, "/v1/create/audience/from/file", map[string]string{"id": "b", "name": "b"}, big)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(fmt.Sprint(m), "exceeds 65536 bytes") {
		t.Fatalf("chunked: %d %v", code, m)
	}
	if code, _ := upload(t, base, "/v1/create/audience/from/file", map[string]string{"id": "c", "name": "c"}, "number\n+27821234567\n"); code != 200 {
		t.Fatalf("small upload: %d", code)
	}
}

func TestUploadRules(t *testing.T) {
	_, base := sandboxtest.Start(t, sandbox.Options{})
	cases := []struct {
		name   string
		fields map[string]string
		csv    string
		status int
		check  func(map[string]any) bool
	}{
		{"semicolon, BOM, bad row kept out", map[string]string{"id": "a", "name": "a"}, "\ufeffNUMBER;x\n+27821234567;1\nxx;2\n+27821234568;3\n", 200,
			func(m map[string]any) bool { return m["added"] == 2.0 && m["rejectedCount"] == 1.0 }},
		{"tab delimiter", map[string]string{"id": "b", "name": "b"}, "x\tnumber\n1\t+27821234567\n", 200, func(m map[string]any) bool { return m["added"] == 1.0 }},
		{"no number column", map[string]string{"id": "c", "name": "c"}, "phone\n+27821234567\n", 400, nil},
		{"empty file", map[string]string{"id": "c", "name": "c"}, "", 400, nil},
		{"missing name", map[string]string{"id": "c"}, "number\n+27821234567\n", 400, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m := upload(t, base, "/v1/create/audience/from/file", tc.fields, tc.csv)
			if code != tc.status || (tc.check != nil && !tc.check(m)) {
				t.Fatalf("%d %v", code, m)
			}
		})
	}
}

func TestParseFaults(t *testing.T) {
	good := map[string]sandbox.Fault{
		"/v1/run/campaign=drop@1x1":           {Endpoint: "/v1/run/campaign", Kind: "drop", Rate: 1, Count: 1},
		"*=429@0.2:3":                         {Endpoint: "*", Kind: "429", Rate: 0.2, RetryAfter: "3"},
		"/v1/create/audience=latency@1:200ms": {Endpoint: "/v1/create/audience", Kind: "latency", Rate: 1, Latency: 200 * time.Millisecond},
		"/v1/retrieve/campaigns=503x2":        {Endpoint: "/v1/retrieve/campaigns", Kind: "503", Rate: 1, Count: 2},
	}
	for spec, want := range good {
		got, err := sandbox.ParseFaults(spec)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("ParseFaults(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, bad := range []string{"drop", "/x=boom", "*=429@2", "*=latency", "x=500", "*=500:3"} {
		if _, err := sandbox.ParseFaults(bad); err == nil || !strings.HasPrefix(err.Error(), "sandbox: fault") {
			t.Errorf("ParseFaults(%q) err = %v, want a clear error", bad, err)
		}
	}
}

// TestTimeScaleAcceptsAClientsNearFuture: at --time-scale 60 the simulated
// clock runs ahead of a client's; a timeToRun in the client's near future
// is accepted (and starts at once in simulated time), one in the client's
// past is still refused.
func TestTimeScaleAcceptsAClientsNearFuture(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sb, base := sandboxtest.Start(t, sandbox.Options{ApproveAfter: sandbox.ApproveAtOnce, Clock: clock, TimeScale: 60})
	post(t, base, "/v1/create/audience", "k", []byte(`{"id":"a","name":"a","contacts":[{"number":"+27821234567"}]}`))
	_, m, _ := post(t, base, "/v1/create/campaign", "k", []byte(`{"title":"t","message":"m"}`))
	id := m["campaignId"].(string)
	clock.Advance(10 * time.Minute) // the simulated clock is 10 h on
	soon := clock.Now().Add(30 * time.Minute).Unix()
	if code, _, raw := post(t, base, "/v1/run/campaign", "k", []byte(fmt.Sprintf(`{"campaignId":"%s","audiences":["a"],"timeToRun":%d}`, id, soon))); code != 200 {
		t.Fatalf("timeToRun in the client's next half hour: %d %s", code, raw)
	}
	if runs := sb.Runs(id); len(runs) != 1 || runs[0].Status == "scheduled" {
		t.Fatalf("runs = %+v; want one, started (its time is past in simulated time)", runs)
	}
	past := clock.Now().Add(-2 * time.Hour).Unix()
	if code, _, raw := post(t, base, "/v1/run/campaign", "k", []byte(fmt.Sprintf(`{"campaignId":"%s","audiences":["a"],"timeToRun":%d}`, id, past))); code != 400 || !strings.Contains(string(raw), "in the past") {
		t.Fatalf("timeToRun 2 h before the client's clock: %d %s", code, raw)
	}
}
