package chatinc

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// decodeCampaigns reads the retrieve-campaigns answer in any of the shapes
// the API page implies: an array of entries or one entry, where an entry is
// {"status", "campaigns": campaign | [campaign...]} or a bare campaign.
func decodeCampaigns(b []byte) ([]Campaign, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	var entries []json.RawMessage
	if b[0] == '[' {
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, fmt.Errorf("decoding campaigns: %w", err)
		}
	} else {
		entries = []json.RawMessage{b}
	}
	var out []Campaign
	for i, e := range entries {
		cs, err := decodeCampaignEntry(e)
		if err != nil {
			return nil, fmt.Errorf("decoding campaigns: entry %d: %w", i, err)
		}
		out = append(out, cs...)
	}
	return out, nil
}

func decodeCampaignEntry(e json.RawMessage) ([]Campaign, error) {
	var probe struct {
		Status    string          `json:"status"`
		Campaigns json.RawMessage `json:"campaigns"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(e, &probe); err != nil {
		return nil, err
	}
	if probe.Status == "error" {
		return nil, fmt.Errorf("entry reports an error: %s", probe.Error)
	}
	inner := bytes.TrimSpace(probe.Campaigns)
	if len(inner) == 0 || bytes.Equal(inner, []byte("null")) {
		var c Campaign
		if err := json.Unmarshal(e, &c); err != nil {
			return nil, err
		}
		if c.CampaignID == "" {
			return nil, nil
		}
		return []Campaign{c}, nil
	}
	if inner[0] == '[' {
		var cs []Campaign
		err := json.Unmarshal(inner, &cs)
		return cs, err
	}
	var c Campaign
	if err := json.Unmarshal(inner, &c); err != nil {
		return nil, err
	}
	return []Campaign{c}, nil
}
