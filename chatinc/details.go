package chatinc

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"

	"context"
)

// errStop ends a streamed decode when the caller stops iterating.
var errStop = errors.New("stop")

// CampaignDetails iterates over per-contact results of a campaign (one run
// with req.RunID), decoding rows as they arrive, in JSON or CSV.
func (c *Client) CampaignDetails(ctx context.Context, req CampaignDetailsRequest) iter.Seq2[ContactResult, error] {
	return func(yield func(ContactResult, error) bool) {
		if req.CampaignID == "" {
			yield(ContactResult{}, invalid("campaignId", "is required"))
			return
		}
		format := req.Format
		if format == "" {
			format = FormatJSON
		}
		if format != FormatJSON && format != FormatCSV {
			yield(ContactResult{}, invalid("format", "%q must be json or csv", format))
			return
		}
		body := map[string]string{"campaignId": req.CampaignID, "format": string(format)}
		if req.RunID != "" {
			body["runId"] = req.RunID
		}
		stopped, yielded := false, false
		emit := func(r ContactResult) error {
			yielded = true
			if !yield(r, nil) {
				stopped = true
				return errStop
			}
			return nil
		}
		err := c.do(ctx, call{endpoint: pathRetrieveCampaign, method: http.MethodPost, body: jsonBody(body), idempotent: true,
			handle: func(resp *http.Response) error {
				if yielded { // a retry after rows were yielded would repeat them
					return errors.New("chatinc: details stream broke after rows were delivered")
				}
				if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
					return decodeDetailsCSV(resp.Body, emit)
				}
				return decodeDetailsJSON(resp.Body, emit)
			}})
		if err != nil && !stopped && !errors.Is(err, errStop) {
			yield(ContactResult{}, fmt.Errorf("chatinc: campaign %q details: %w", req.CampaignID, err))
		}
	}
}

func decodeDetailsJSON(r io.Reader, emit func(ContactResult) error) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("details: want a JSON array, got %v", tok)
	}
	for dec.More() {
		var row ContactResult
		if err := dec.Decode(&row); err != nil {
			return err
		}
		if err := emit(row); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

func decodeDetailsCSV(r io.Reader, emit func(ContactResult) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("details csv: header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(h))] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := idx[strings.ToLower(name)]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	if _, ok := idx["number"]; !ok {
		return fmt.Errorf("details csv: no number column in header %v", header)
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("details csv: line %d: %w", line, err)
		}
		row := ContactResult{Number: get(rec, "number"), Action: get(rec, "action"), RunID: get(rec, "runId"), Error: get(rec, "error")}
		if s := get(rec, "updatedAt"); s != "" {
			row.UpdatedAt, _ = strconv.ParseInt(s, 10, 64)
		}
		if err := emit(row); err != nil {
			return err
		}
	}
}
