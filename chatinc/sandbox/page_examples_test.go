package sandbox_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// TestPageExamples replays the bodies of the API page's JS and curl examples
// (testdata/page) and checks what DESIGN.md decides for each.
func TestPageExamples(t *testing.T) {
	sb, base := sandboxtest.Start(t, sandbox.Options{})
	sb.SeedCampaign("myCampaignId", "seeded", "Hello")
	sb.SeedCampaign("c_B5ibuY0ubsjsGHE", "seeded", "Hello")
	// State the examples refer to: the audience "Frequent Shoppers".
	if code, _, raw := post(t, base, "/v1/create/audience", "key", []byte(`{"id":"Frequent Shoppers","name":"Frequent Shoppers","contacts":[{"number":"+27821234567"}]}`)); code != 200 {
		t.Fatalf("setup: %d %s", code, raw)
	}
	cases := []struct {
		file, path string
		status     int
		want       string // substring of the body
	}{
		{"04-create-variable-group-js.json", "/v1/create/variable/group", 200, `"status":"success"`},
		{"05-create-audience-js.json", "/v1/create/audience", 200, `"total":1`},
		{"06-add-contacts-js.json", "/v1/create/audience", 200, `"added":0`},
		{"07-retrieve-audience-contacts-js.json", "/v1/retrieve/audience/contacts", 200, `"number":"+1234567890"`},
		{"01-create-campaign-js.json", "/v1/create/campaign", 200, `"whatsAppTemplatesStatus":"PENDING"`},
		{"02-create-campaign-curl.json", "/v1/create/campaign", 400, "phone and url buttons can only be used together with each other"},
		{"03-create-campaign-curl-journey-only.json", "/v1/create/campaign", 200, `"campaignId":"c_`},
		{"08-run-campaign-js.json", "/v1/run/campaign", 200, `"runId":"r_`},
		{"09-send-campaign-curl.json", "/v1/create/campaign", 400, "POST it to /v1/run/campaign"},
		{"10-campaign-details-curl.json", "/v1/retrieve/campaign", 200, "number,action,runId,error,updatedAt"},
		{"11-campaign-details-js.json", "/v1/retrieve/campaign", 200, `"action":`},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			code, _, raw := post(t, base, tc.path, "key", page(t, tc.file))
			if code != tc.status || !strings.Contains(string(raw), tc.want) {
				t.Fatalf("%s -> %d %s; want %d containing %q", tc.path, code, raw, tc.status, tc.want)
			}
		})
	}
	// The page's curl with its trailing comma is invalid JSON: 400 with the position.
	withComma := strings.Replace(string(page(t, "03-create-campaign-curl-journey-only.json")), "]\n}", "],\n}", 1)
	if code, _, raw := post(t, base, "/v1/create/campaign", "key", []byte(withComma)); code != 400 || !strings.Contains(string(raw), "line 13") {
		t.Fatalf("trailing comma: %d %s", code, raw)
	}
	// Retrieves: GET as the curl does, POST as the line says; the page's shape.
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(m, base+"/v1/retrieve/campaigns", nil)
		req.Header.Set("Authorization", "key")
		code, _, raw := send(t, req)
		if code != 200 || !strings.HasPrefix(string(raw), `[{"campaigns":{`) {
			t.Fatalf("%s retrieve campaigns: %d %.80s", m, code, raw)
		}
	}
	for _, p := range []string{"/v1/retrieve/audiences", "/v1/retrieve/variable/groups"} {
		if code, _, raw := post(t, base, p, "key", nil); code != 200 || !strings.HasPrefix(string(raw), "[") {
			t.Fatalf("%s: %d %s", p, code, raw)
		}
	}
	code, m := upload(t, base, "/v1/create/variable/group/from/file", map[string]string{"name": "large_group_10k_2", "id": "large_group_10k_2", "audienceId": "30k"}, string(page(t, "contacts.csv")))
	if code != 200 || m["added"] != 1.0 {
		t.Fatalf("variable group from file: %d %v", code, m)
	}
	code, m = upload(t, base, "/v1/create/audience/from/file", map[string]string{"name": "testos", "id": "testos"}, string(page(t, "contacts.csv")))
	if code != 200 || m["total"] != 1.0 {
		t.Fatalf("audience from file: %d %v", code, m)
	}
	// Without Authorization: 401.
	if code, _, _ := post(t, base, "/v1/retrieve/audiences", "", nil); code != 401 {
		t.Fatalf("no Authorization: %d, want 401", code)
	}
}
