package sinks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/campaignflow/campaignflow/sources"
)

// decodeResult maps a message of the results stream to its warehouse table
// and rows.
func decodeResult(names sources.Names, subject string, data []byte) (string, []any, error) {
	p := names.Prefix + ".results."
	switch {
	case strings.HasPrefix(subject, p+"campaign."):
		var s CampaignSnapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return "", nil, fmt.Errorf("sinks: decoding %s: %w", SchemaCampaignSnapshot, err)
		}
		return TableCampaignSnapshots, []any{s}, nil
	case strings.HasPrefix(subject, p+"contacts."):
		var b ContactOutcomeBatch
		if err := json.Unmarshal(data, &b); err != nil {
			return "", nil, fmt.Errorf("sinks: decoding %s: %w", SchemaContactOutcome, err)
		}
		rows := make([]any, len(b.Rows))
		for i, r := range b.Rows {
			rows[i] = r
		}
		return TableContactOutcomes, rows, nil
	case strings.HasPrefix(subject, p+"ingest."):
		var r IngestReport
		if err := json.Unmarshal(data, &r); err != nil {
			return "", nil, fmt.Errorf("sinks: decoding %s: %w", SchemaIngestReport, err)
		}
		return TableIngestReports, []any{r}, nil
	case strings.HasPrefix(subject, p+"send."):
		var r SendReport
		if err := json.Unmarshal(data, &r); err != nil {
			return "", nil, fmt.Errorf("sinks: decoding %s: %w", SchemaSendReport, err)
		}
		return TableSendReports, []any{r}, nil
	}
	return "", nil, fmt.Errorf("sinks: no warehouse table for subject %s", subject)
}
