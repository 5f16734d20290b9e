package chatinc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// API paths.
const (
	pathCreateCampaign         = "/v1/create/campaign"
	pathRunCampaign            = "/v1/run/campaign"
	pathRetrieveCampaigns      = "/v1/retrieve/campaigns"
	pathRetrieveCampaign       = "/v1/retrieve/campaign"
	pathCreateAudience         = "/v1/create/audience"
	pathAudienceFromFile       = "/v1/create/audience/from/file"
	pathRetrieveAudiences      = "/v1/retrieve/audiences"
	pathAudienceContacts       = "/v1/retrieve/audience/contacts"
	pathCreateVariableGroup    = "/v1/create/variable/group"
	pathVariableGroupFromFile  = "/v1/create/variable/group/from/file"
	pathRetrieveVariableGroups = "/v1/retrieve/variable/groups"
)

func jsonBody(v any) func() (io.Reader, string, error) {
	b, err := json.Marshal(v)
	return func() (io.Reader, string, error) {
		if err != nil {
			return nil, "", fmt.Errorf("chatinc: encoding request: %w", err)
		}
		return bytes.NewReader(b), "application/json", nil
	}
}

// decodeInto returns a handler that decodes a buffered JSON answer into v.
func (c *Client) decodeInto(v any) func(*http.Response) error {
	return func(resp *http.Response) error { return c.decodeBody(resp.Body, v) }
}

type wireOptions struct {
	RunImmediately       bool     `json:"runImmediately"`
	Audiences            []string `json:"audiences,omitempty"`
	LanguageCode         string   `json:"languageCode,omitempty"`
	TimeToRun            int64    `json:"timeToRun,omitempty"`
	WhatsAppTemplateType string   `json:"whatsAppTemplateType,omitempty"`
}

type wireCreateCampaign struct {
	Title   string      `json:"title"`
	Message string      `json:"message"`
	ImgURL  string      `json:"imgUrl,omitempty"`
	Buttons []Button    `json:"buttons,omitempty"`
	Options wireOptions `json:"options"`
}

// CreateCampaign creates a campaign as a WhatsApp template (status PENDING
// until Chat Inc approves it). It is not retried once sent: an unknown
// outcome is an *AmbiguousError.
func (c *Client) CreateCampaign(ctx context.Context, req CreateCampaignRequest) (*Campaign, error) {
	if err := req.Validate(c.clock.Now()); err != nil {
		return nil, err
	}
	o := req.Options
	w := wireCreateCampaign{Title: req.Title, Message: req.Message, ImgURL: req.ImgURL, Buttons: req.Buttons,
		Options: wireOptions{RunImmediately: o.RunImmediately, Audiences: o.Audiences, LanguageCode: o.LanguageCode,
			WhatsAppTemplateType: o.WhatsAppTemplateType}}
	if !o.TimeToRun.IsZero() {
		w.Options.TimeToRun = o.TimeToRun.Unix()
	}
	var out Campaign
	err := c.do(ctx, call{endpoint: pathCreateCampaign, method: http.MethodPost, body: jsonBody(w), handle: c.decodeInto(&out)})
	if err != nil {
		return nil, err
	}
	if out.CampaignID == "" {
		return nil, &AmbiguousError{Endpoint: pathCreateCampaign, Err: fmt.Errorf("answer has no campaignId")}
	}
	return &out, nil
}

type wireRun struct {
	CampaignID string   `json:"campaignId"`
	Audiences  []string `json:"audiences"`
	TimeToRun  int64    `json:"timeToRun,omitempty"`
}

// RunCampaign runs a created campaign now or at req.TimeToRun. It is not
// retried once sent: an unknown outcome is an *AmbiguousError.
func (c *Client) RunCampaign(ctx context.Context, req RunCampaignRequest) (*Run, error) {
	if err := req.Validate(c.clock.Now()); err != nil {
		return nil, err
	}
	w := wireRun{CampaignID: req.CampaignID, Audiences: req.Audiences}
	if !req.TimeToRun.IsZero() {
		w.TimeToRun = req.TimeToRun.Unix()
	}
	var out struct {
		CampaignID string `json:"campaignId"`
		RunID      string `json:"runId"`
		Run        *Run   `json:"run"`
	}
	err := c.do(ctx, call{endpoint: pathRunCampaign, method: http.MethodPost, body: jsonBody(w), handle: c.decodeInto(&out)})
	if err != nil {
		return nil, err
	}
	run := out.Run
	if run == nil {
		run = &Run{RunID: out.RunID}
	}
	if run.CampaignID == "" {
		run.CampaignID = req.CampaignID
	}
	if run.RunID == "" {
		return nil, &AmbiguousError{Endpoint: pathRunCampaign, Err: fmt.Errorf("answer has no run id")}
	}
	return run, nil
}

// RetrieveCampaigns lists campaigns (only active ones with opts.Active). It
// accepts the answer as an array or an object, with "campaigns" holding one
// campaign or an array of them, as the API page shows both.
func (c *Client) RetrieveCampaigns(ctx context.Context, opts RetrieveCampaignsOptions) ([]Campaign, error) {
	endpoint := pathRetrieveCampaigns
	body := map[string]bool{}
	if opts.Active {
		endpoint += "?active=true"
		body["active"] = true
	}
	var out []Campaign
	err := c.do(ctx, call{endpoint: endpoint, method: http.MethodPost, body: jsonBody(body), idempotent: true,
		handle: func(resp *http.Response) error {
			b, err := c.readBody(resp.Body)
			if err != nil {
				return err
			}
			out, err = decodeCampaigns(b)
			return err
		}})
	return out, err
}

// FindCampaign returns the campaign with the given id.
func (c *Client) FindCampaign(ctx context.Context, campaignID string) (*Campaign, error) {
	all, err := c.RetrieveCampaigns(ctx, RetrieveCampaignsOptions{})
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].CampaignID == campaignID {
			return &all[i], nil
		}
	}
	return nil, &APIError{Endpoint: pathRetrieveCampaigns, StatusCode: http.StatusNotFound, Code: "not_found",
		Message: fmt.Sprintf("campaign %q is not in the campaign list", campaignID)}
}
