package schemas_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/schemas"
	"github.com/campaignflow/campaignflow/sinks"
)

// TestContractExamplesValidate checks the contract's own examples.
func TestContractExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) != 5 {
		t.Fatalf("%d examples", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if err := schemas.Validate(name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestViolationsNamePointers(t *testing.T) {
	cases := []struct{ schema, doc, want string }{
		{"send-promo", `{"promo_id":"p","title":"t","message":"m","audiences":[]}`, "/audiences"},
		{"send-promo", `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"buttons":[{"text":"x","type":"sms"}]}`, "/buttons/0/type"},
		{"customer-segment-updated", `{"audience":{},"contacts":[{"number":""}]}`, "/contacts/0/number"},
		{"audience-file-uploaded", `{"audience":{"id":"a"},"source":{"url":"http://x"}}`, "/source/url"},
		{"campaign_snapshot.v1", `{"schema":"campaign_snapshot.v1"}`, "missing properties"},
	}
	for _, tc := range cases {
		err := schemas.Validate(tc.schema, []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: err = %v, want mention of %q", tc.schema, tc.doc, err, tc.want)
		}
	}
	if err := schemas.Validate("nope", []byte(`{}`)); err == nil {
		t.Error("unknown schema accepted")
	}
}

// TestRecordsValidate checks that what sinks marshals meets the schemas.
func TestRecordsValidate(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s := sinks.CampaignSnapshot{Schema: sinks.SchemaCampaignSnapshot, CampaignID: "c", RunID: "r", Title: "t", TakenAt: now, Sent: 10, Delivered: 9, Read: 3}
	s.Rates()
	b := sinks.ContactOutcomeBatch{Schema: sinks.SchemaContactOutcome, CampaignID: "c", RunID: "r", Rows: []sinks.ContactOutcome{
		{Schema: sinks.SchemaContactOutcome, CampaignID: "c", RunID: "r", Number: "+27821234567", Status: "read", UpdatedAt: now}}}
	r := sinks.IngestReport{Schema: sinks.SchemaIngestReport, EventID: "e", EventType: "customer-segment-updated", AudienceID: "a",
		RowsTotal: 2, RowsAccepted: 1, RowsRejected: 1, Rejected: []sinks.RowError{{Row: 3, Column: "number", Reason: "invalid"}}, FinishedAt: now}
	for name, v := range map[string]any{sinks.SchemaCampaignSnapshot: s, sinks.SchemaContactOutcome: b, sinks.SchemaIngestReport: r} {
		if err := schemas.ValidateValue(name, v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
