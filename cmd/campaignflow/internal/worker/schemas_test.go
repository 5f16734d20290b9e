package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/pipeline/schemas"
)

// TestEverythingPublishedValidatesAgainstItsSchema drives a segment, a promo
// with its polls and a bad-row report, then checks every message in
// CHATINC_RESULTS against the schema its subject promises.
func TestEverythingPublishedValidatesAgainstItsSchema(t *testing.T) {
	// Every event's report, so that both a clean one and one with
	// rejected rows are validated.
	e := newEnv(t, func(c *config.Config, _ *sandbox.Options) { c.Results.IngestReports = config.IngestReportsAll })
	seedAudience(e, "vip", 5)
	e.publish("customer-segment-updated", "with-bad-row", map[string]any{
		"audience": map[string]string{"id": "vip", "name": "vip"}, "contacts": []map[string]any{{"number": "nope"}}})
	e.publish("send-promo", "schema-promo", promo("p-schema", "Schema promo", nil))
	e.settled(20 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bySchema := map[string]int{}
	prefix := e.cfg.Names.Prefix + ".results."
	schemaOf := map[string]string{"campaign": "campaign_snapshot.v1", "contacts": "contact_outcome.v1", "ingest": "ingest_report.v1"}
	validateAll := func() {
		clear(bySchema)
		s, err := e.js.Stream(ctx, e.cfg.Names.ResultsStream)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		info, _ := s.Info(ctx)
		for range info.State.Msgs {
			m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
			if err != nil {
				t.Fatal(err)
			}
			kind := strings.SplitN(strings.TrimPrefix(m.Subject(), prefix), ".", 2)[0]
			name, ok := schemaOf[kind]
			if !ok {
				t.Fatalf("unexpected results subject %s", m.Subject())
			}
			if err := schemas.Validate(name, m.Data()); err != nil {
				t.Fatalf("%s (seq on %s) does not validate against %s: %v\n%s", m.Subject(), e.cfg.Names.ResultsStream, name, err, m.Data())
			}
			bySchema[name]++
		}
	}
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		validateAll()
		return bySchema["campaign_snapshot.v1"] >= 3 && bySchema["contact_outcome.v1"] >= 1 && bySchema["ingest_report.v1"] >= 2,
			fmt.Sprintf("results validated so far: %v", bySchema)
	})
	t.Logf("validated: %v", bySchema)
}
