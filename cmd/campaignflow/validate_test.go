package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// writeValidateFile writes text to a file in a temporary directory.
func writeValidateFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestValidateConfigExample: the documented example is a valid config.
func TestValidateConfigExample(t *testing.T) {
	r := execOps(t, "", "validate", "--config", "../../deploy/config.example.yaml", "--ignore-env")
	if r.code() != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code(), r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "ok: config ../../deploy/config.example.yaml") || !strings.Contains(r.stdout, "sandbox") {
		t.Errorf("stdout %q: want ok and a word on sandbox mode", r.stdout)
	}
}

// TestValidateConfigNotesHandlersThatNeverRun: a valid config whose
// concurrency exceeds max_ack_pending passes with a note saying what to raise.
func TestValidateConfigNotesHandlersThatNeverRun(t *testing.T) {
	file := writeValidateFile(t, "wide.yaml", "consumer: {concurrency: 300, max_ack_pending: 100}\n")
	r := execOps(t, "", "validate", "--config", file, "--ignore-env")
	if r.code() != 0 {
		t.Fatalf("exit %d, want 0; stderr %q", r.code(), r.stderr)
	}
	want := "note: consumer.concurrency: 300 is more than consumer.max_ack_pending (100)"
	if !strings.HasPrefix(r.stdout, "ok: config") || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "raise consumer.max_ack_pending to 600") {
		t.Errorf("stdout %q stderr %q: want ok and %q", r.stdout, r.stderr, want)
	}
}

// TestValidateConfigListsEveryProblem: one run lists every problem of the
// file, each with its key, and exits 1.
func TestValidateConfigListsEveryProblem(t *testing.T) {
	file := writeValidateFile(t, "bad.yaml", `
colour: blue
chatinc: {url: https://api.chatinc.com}
consumer: {ack_wait: soon}
schedules:
  - {name: weekly, promo_id: p, cron: "every friday", time_zone: Mars/Olympus}
`)
	r := execOps(t, "", "validate", "--config", file, "--ignore-env")
	if r.code() != 1 {
		t.Fatalf("exit %d, want 1; stdout %q stderr %q", r.code(), r.stdout, r.stderr)
	}
	want := []string{
		`unknown key "colour"`,
		`consumer.ack_wait: "soon" is not a duration`,
		`schedules[0].cron: "every friday"`,
		`schedules[0].time_zone: "Mars/Olympus" is not a known time zone`,
		"chatinc.api_key: required when chatinc.url is set",
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not list %q:\n%s", w, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "has 5 problem(s)") || strings.Count(r.stderr, "\n  - ") != 5 {
		t.Errorf("want exactly 5 problems listed:\n%s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing on failure", r.stdout)
	}
}

// TestValidateConfigRefusesCredentialsInTheSinkURL: a password inside the
// s3 endpoint parameter is refused (like one before the bucket), with the
// secret masked and where credentials go instead.
func TestValidateConfigRefusesCredentialsInTheSinkURL(t *testing.T) {
	file := writeValidateFile(t, "sink.yaml", `sinks: {url: "s3://b?endpoint=http://AKIA:pw-canary-77@127.0.0.1:9000&region=us-east-1"}`+"\n")
	r := execOps(t, "", "validate", "--config", file, "--ignore-env")
	if r.code() != 1 {
		t.Fatalf("exit %d, want 1; stdout %q stderr %q", r.code(), r.stdout, r.stderr)
	}
	for _, w := range []string{"sinks.url: bad sink URL s3://b?endpoint=http://xxxxx@127.0.0.1:9000&region=us-east-1",
		"credentials do not go in the URL (the endpoint parameter", "AWS_SECRET_ACCESS_KEY"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "pw-canary-77") || strings.Contains(r.stdout+r.stderr, "AKIA") {
		t.Errorf("the credentials were printed:\n%s%s", r.stdout, r.stderr)
	}
}

// TestValidateConfigUsesEnvironment: the API key from CHATINC_API_KEY
// completes a file that sets chatinc.url, as for `run`; --ignore-env checks
// the file alone.
func TestValidateConfigUsesEnvironment(t *testing.T) {
	file := writeValidateFile(t, "prod.yaml", "chatinc: {url: https://api.chatinc.com}\nnats: {url: nats://nats:4222}\n")
	t.Setenv("CHATINC_API_KEY", "canary-key-0001")
	t.Setenv("CAMPAIGNFLOW_CONFIG", "")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"with environment", []string{"validate", "--config", file}, 0, "Chat Inc at https://api.chatinc.com"},
		{"file alone", []string{"validate", "--config", file, "--ignore-env"}, 1, "chatinc.api_key: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := execOps(t, "", tc.args...)
			if r.code() != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Fatalf("exit %d (want %d), output does not hold %q:\n%s%s", r.code(), tc.code, tc.want, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "canary-key-0001") {
				t.Error("the API key was printed")
			}
		})
	}
}

// TestValidateConfigUnreadable: a missing file, bad YAML and a value of the
// wrong type are each reported with exit 1.
func TestValidateConfigUnreadable(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"missing file", filepath.Join(t.TempDir(), "nope.yaml"), "no such file"},
		{"not YAML", writeValidateFile(t, "bad.yaml", "nats: [unclosed\n"), "not valid YAML"},
		{"wrong type", writeValidateFile(t, "type.yaml", "consumer: {max_deliver: ten}\n"), `consumer.max_deliver: "ten" is not an integer`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := execOps(t, "", "validate", "--config", tc.file, "--ignore-env")
			if r.code() != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr does not hold %q:\n%s", r.code(), tc.want, r.stderr)
			}
		})
	}
}

// TestValidateNeedsSomethingToCheck: no --config and no CAMPAIGNFLOW_CONFIG
// is an error that says what to pass.
func TestValidateNeedsSomethingToCheck(t *testing.T) {
	t.Setenv("CAMPAIGNFLOW_CONFIG", "")
	r := execOps(t, "", "validate")
	if r.code() != 1 || r.err == nil || !strings.Contains(r.err.Error(), "--config FILE") {
		t.Fatalf("exit %d, err %v", r.code(), r.err)
	}
}

// TestValidateExampleEvents: each of the contract's example events (as
// shipped in deploy/events) is valid.
func TestValidateExampleEvents(t *testing.T) {
	for _, typ := range []string{"customer-segment-updated", "audience-file-uploaded", "send-promo", "schedule-cancelled"} {
		t.Run(typ, func(t *testing.T) {
			file := "../../deploy/events/" + typ + ".json"
			r := execOps(t, "", "validate", "event", typ, file)
			if r.code() != 0 {
				t.Fatalf("exit %d:\n%s", r.code(), r.stderr)
			}
			if want := "ok: " + typ + " " + file + "\n"; r.stdout != want {
				t.Errorf("stdout %q, want %q", r.stdout, want)
			}
		})
	}
}

// TestValidateBadEvents: an invalid event exits 1 and names each field at
// fault by its JSON pointer, whether the schema or the worker's own rules
// catch it.
func TestValidateBadEvents(t *testing.T) {
	const promo = `"event_id":"e1","title":"T","message":"Hi","audiences":["vip"]`
	tests := []struct {
		name, typ, body string
		want            []string
	}{
		{"missing fields", "send-promo", `{"event_id":"e1","message":"Hi","audiences":["vip"]}`,
			[]string{"/promo_id: is required", "/title: is required", "has 2 problem(s)"}},
		{"button mix", "send-promo", `{"promo_id":"p",` + promo + `,"buttons":[` +
			`{"text":"Shop","type":"url","url":"https://shop.example.com"},{"text":"Yes","type":"input","input":"yes"}]}`,
			[]string{"/buttons: phone and url buttons can only be used together with each other"}},
		{"bad cron", "send-promo", `{"promo_id":"p",` + promo + `,"schedule":{"cron":"every friday at nine"}}`,
			[]string{"/schedule/cron:"}},
		{"empty audience", "send-promo", `{"promo_id":"p","event_id":"e1","title":"T","message":"Hi","audiences":[]}`,
			[]string{"/audiences:"}},
		{"cloudevents envelope", "send-promo", `{"specversion":"1.0","id":"ce-1","type":"com.example.send-promo","source":"shop",` +
			`"data":{"promo_id":"p",` + promo + `,"schedule":{"cron":"0 9 * * FRI","time_zone":"Mars/Olympus"}}}`,
			[]string{"/data/schedule/time_zone:"}},
		{"cloudevents type of another event", "send-promo", `{"specversion":"1.0","id":"ce-1","type":"com.example.schedule-cancelled","source":"shop",` +
			`"data":{"promo_id":"p",` + promo + `}}`,
			[]string{`/type: pipeline: CloudEvents type "schedule-cancelled" disagrees with subject "chatinc.events.send-promo"`, "has 1 problem(s)"}},
		{"cloudevents id not allowed", "send-promo", `{"specversion":"1.0","id":"ce 1","type":"send-promo","source":"shop",` +
			`"data":{"promo_id":"p","title":"T","message":"Hi","audiences":["vip"]}}`,
			[]string{`/id: pipeline: event id from the CloudEvents id: ids: invalid id: a space`}},
		{"bad contact list", "customer-segment-updated", `{"event_id":"s1","audience":{"id":"vip"},"contacts":"none"}`,
			[]string{"/contacts:"}},
		{"cancel without promo", "schedule-cancelled", `{"event_id":"c1"}`, []string{"/promo_id: is required"}},
		{"not JSON", "schedule-cancelled", `{"event_id":`, []string{"/: not a JSON object"}},
		// 1e2 is an integer to the schema, not to encoding/json: at its field, in words.
		{"integer with an exponent", "send-promo", `{"promo_id":"p",` + promo + `,"frequency_cap":{"max":1e2,"per":"2d"}}`,
			[]string{"/frequency_cap/max: 1e2 is not an integer (write a whole number, e.g. 10)", "has 1 problem(s)"}},
		{"integer with an exponent beside a schema problem", "send-promo", `{"promo_id":"p",` + promo + `,"quiet_hours":"late","frequency_cap":{"max":1e2,"per":"2d"}}`,
			[]string{"/frequency_cap/max: 1e2 is not an integer (write a whole number, e.g. 10)", "/quiet_hours:", "has 2 problem(s)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeValidateFile(t, "event.json", tc.body)
			r := execOps(t, "", "validate", "event", tc.typ, file)
			if r.code() != 1 {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", r.code(), r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not hold %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

// TestValidateEventInputs: stdin as "-", an unknown type and a missing file.
func TestValidateEventInputs(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"stdin", `{"event_id":"c1","promo_id":"bf-2026"}`, []string{"schedule-cancelled", "-"}, 0, "ok: schedule-cancelled -"},
		{"unknown type", "", []string{"send-coupon", "x.json"}, 1, `unknown event type "send-coupon"`},
		{"missing file", "", []string{"send-promo", filepath.Join(t.TempDir(), "nope.json")}, 1, "cannot read it"},
		{"empty stdin", "", []string{"send-promo", "-"}, 1, "it is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := execOps(t, tc.stdin, append([]string{"validate", "event"}, tc.args...)...)
			if r.code() != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Fatalf("exit %d (want %d), output does not hold %q:\n%s%s", r.code(), tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestValidatePointers: problem paths become RFC 6901 JSON pointers.
func TestValidatePointers(t *testing.T) {
	tests := []struct {
		base, in string
		want     []string
	}{
		{"", "buttons[1].url: must be https", []string{"/buttons/1/url: must be https"}},
		{"", "variable_group.fields[0]: bad", []string{"/variable_group/fields/0: bad"}},
		{"/data", "schedule.time_zone: unknown", []string{"/data/schedule/time_zone: unknown"}},
		{"", "/: missing properties 'title', 'promo_id'", []string{"/title: is required (missing)", "/promo_id: is required (missing)"}},
		{"", "/buttons/0: missing property 'text'", []string{"/buttons/0/text: is required (missing)"}},
		{"", "/audiences: minItems: got 0, want 1", []string{"/audiences: minItems: got 0, want 1"}},
		{"", "body is not a valid send-promo event: json: cannot unmarshal", []string{"/: body is not a valid send-promo event: json: cannot unmarshal"}},
		{"", "columns.fields.first-name: bad", []string{"/columns/fields/first-name: bad"}},
		{"", "/: missing property 'a/b~c'", []string{"/a~1b~0c: is required (missing)"}},
	}
	for _, tc := range tests {
		got := pointerProblems(tc.base, tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("pointerProblems(%q, %q) = %q, want %q", tc.base, tc.in, got, tc.want)
		}
	}
}

// FuzzValidatePointers: whatever a problem says, it comes out as lines that
// each start with a JSON pointer under the base, and nothing panics.
func FuzzValidatePointers(f *testing.F) {
	for _, s := range []string{"buttons[1].url: x", "/: missing properties 'a', 'b'", "/x: y", "plain", "a.b[2][3].c: z", "[: ]", ""} {
		f.Add("/data", s)
		f.Add("", s)
	}
	f.Fuzz(func(t *testing.T, base, problem string) {
		if base != "" && base != "/data" {
			return
		}
		for _, line := range pointerProblems(base, problem) {
			if !strings.HasPrefix(line, "/") || !strings.HasPrefix(line, base) || !strings.Contains(line, ": ") {
				t.Fatalf("pointerProblems(%q, %q) gave %q", base, problem, line)
			}
		}
	})
}

// TestValidateEventListsEveryProblem: a type error does not hide the
// worker's own checks, and cron with at says so in words.
func TestValidateEventListsEveryProblem(t *testing.T) {
	body := `{"event_id":"x","promo_id":"p","title":5,"message":"hi","audiences":["a"],` +
		`"schedule":{"cron":"* * * * *","at":"2026-01-01T00:00:00Z"},"buttons":[{"text":"a","type":"url"}]}`
	r := execOps(t, body, "validate", "event", "send-promo", "-")
	out := r.stdout + r.stderr
	for _, want := range []string{"3 problem(s)", "/title: got number, want string", "/schedule: has both at and cron: give at for one run, or cron",
		"/buttons/0/url:"} {
		if r.code() != 1 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s", r.code(), want, out)
		}
	}
	if strings.Contains(out, "'not' failed") {
		t.Errorf("output still says 'not' failed:\n%s", out)
	}
}

// TestPromoReferencesCheckedAgainstChatInc: validate event --chatinc-url
// lists unknown groups, fields and audiences as problems; publish warns
// about them (an event on its way may still create them) and publishes.
func TestPromoReferencesCheckedAgainstChatInc(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Options{})
	post := func(path, body string) {
		req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "k")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	post("/v1/create/audience", `{"id":"vip","name":"vip","contacts":[{"number":"+27821234567"}]}`)
	post("/v1/create/variable/group", `{"id":"customers","name":"customers","fields":["first_name"],"values":[{"number":"+27821234567","first_name":"T"}]}`)
	t.Setenv("CHATINC_API_KEY", "")
	bad := `{"event_id":"p1","promo_id":"p1","title":"t","message":"Hi {customers.first_name} {customers.shoe_size} {nobody.x}","audiences":["vip","vpi"]}`
	r := execOps(t, bad, "validate", "event", "send-promo", "-", "--chatinc-url", url)
	out := r.stdout + r.stderr
	for _, want := range []string{"3 problem(s)", `/message: {customers.shoe_size}: variable group "customers" has no field "shoe_size" (it has: first_name)`,
		`/message: {nobody.x}: Chat Inc has no variable group "nobody"`, `/audiences/1: Chat Inc has no audience "vpi" (it has: vip)`} {
		if r.code() != 1 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s", r.code(), want, out)
		}
	}
	good := `{"event_id":"p2","promo_id":"p2","title":"t","message":"Hi {customers.first_name}","audiences":["vip","all"]}`
	if r := execOps(t, good, "validate", "event", "send-promo", "-", "--chatinc-url", url); r.code() != 0 {
		t.Fatalf("a promo Chat Inc can serve: exit %d %s", r.code(), r.stderr)
	}

	env := newOpsEnv(t)
	t.Setenv("CHATINC_API_KEY", "k")
	t.Setenv("CHATINC_URL", url)
	r = execOps(t, "", "publish", "send-promo", "--data", bad, "--nats-url", env.url)
	if r.code() != 0 || !strings.Contains(r.stderr, `warning: audiences[1]: Chat Inc has no audience "vpi"`) || !strings.Contains(r.stdout, "published send-promo") {
		t.Fatalf("publish: exit %d\n%s%s", r.code(), r.stdout, r.stderr)
	}
	if r = execOps(t, "", "publish", "send-promo", "--data", bad, "--id", "p1-again", "--check=false", "--nats-url", env.url); strings.Contains(r.stderr, "warning") {
		t.Fatalf("--check=false still checked: %s", r.stderr)
	}
}

// TestValidateAtWithoutOffsetSaysOnlyThat: a schedule.at without a UTC
// offset is one problem, the time's; not also "cron is required" or "has
// both at and cron" (the schema's oneOf reported both branches).
func TestValidateAtWithoutOffsetSaysOnlyThat(t *testing.T) {
	body := `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"at":"2026-12-01T00:00:00"}}`
	r := execOps(t, body, "validate", "event", "send-promo", "-")
	out := r.stdout + r.stderr
	if r.code() != 1 || !strings.Contains(out, "/schedule/at:") || strings.Contains(out, "cron") {
		t.Fatalf("exit %d:\n%s\nwant one problem, about schedule.at", r.code(), out)
	}
}
