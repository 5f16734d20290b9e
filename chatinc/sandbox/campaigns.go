package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// Template statuses.
const (
	TemplatePending  = "PENDING"
	TemplateApproved = "APPROVED"
)

type campaign struct {
	ID, Title, Message, ImgURL string
	LanguageCode, TemplateType string
	Buttons                    []Button
	Variables                  []string
	CreatedAt, ApprovedAt      time.Time
	runs                       []*run
}

type campaignOptions struct {
	RunImmediately       *bool    `json:"runImmediately"`
	Audiences            []string `json:"audiences"`
	LanguageCode         string   `json:"languageCode"`
	TimeToRun            *int64   `json:"timeToRun"`
	WhatsAppTemplateType string   `json:"whatsAppTemplateType"`
}

// createCampaignRequest takes the table's options.* and, as the page's own
// curl does, the same keys flat at the top level plus templateType.
type createCampaignRequest struct {
	CampaignID   string           `json:"campaignId"`
	Title        string           `json:"title"`
	Message      string           `json:"message"`
	ImgURL       string           `json:"imgUrl"`
	Buttons      []Button         `json:"buttons"`
	Options      *campaignOptions `json:"options"`
	TemplateType string           `json:"templateType"`
	campaignOptions
}

func (r *createCampaignRequest) merged() campaignOptions {
	o := r.campaignOptions
	if r.Options != nil {
		p := r.Options
		if p.RunImmediately != nil {
			o.RunImmediately = p.RunImmediately
		}
		if p.Audiences != nil {
			o.Audiences = p.Audiences
		}
		if p.LanguageCode != "" {
			o.LanguageCode = p.LanguageCode
		}
		if p.TimeToRun != nil {
			o.TimeToRun = p.TimeToRun
		}
		if p.WhatsAppTemplateType != "" {
			o.WhatsAppTemplateType = p.WhatsAppTemplateType
		}
	}
	if o.WhatsAppTemplateType == "" {
		o.WhatsAppTemplateType = r.TemplateType
	}
	if o.WhatsAppTemplateType == "" {
		o.WhatsAppTemplateType = "MARKETING"
	}
	if o.LanguageCode == "" {
		o.LanguageCode = "enUS"
	}
	return o
}

func (s *Server) handleCreateCampaign(w http.ResponseWriter, r *http.Request) error {
	var req createCampaignRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.CampaignID != "" && req.Title == "" && req.Message == "" {
		return errValidation("this looks like a run request (only campaignId): to run a campaign POST it to %s", PathRunCampaign)
	}
	if req.Title == "" {
		return errValidation("title is required")
	}
	if req.Message == "" {
		return errValidation("message is required")
	}
	if err := checkButtons(req.Buttons); err != nil {
		return err
	}
	opts := req.merged()
	if opts.WhatsAppTemplateType != "MARKETING" {
		return errValidation("options.whatsAppTemplateType %q is not available; available types: MARKETING", opts.WhatsAppTemplateType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	vars, err := s.checkPlaceholdersLocked(req.Message)
	if err != nil {
		return err
	}
	now := s.simNowLocked()
	c := &campaign{
		ID: s.newIDLocked("c_"), Title: req.Title, Message: req.Message, ImgURL: req.ImgURL,
		LanguageCode: opts.LanguageCode, TemplateType: opts.WhatsAppTemplateType,
		Buttons: req.Buttons, Variables: vars,
		CreatedAt: now, ApprovedAt: now.Add(max(s.opts.ApproveAfter, 0)),
	}
	runNow := opts.RunImmediately != nil && *opts.RunImmediately
	if runNow || opts.TimeToRun != nil {
		if len(opts.Audiences) == 0 {
			return errValidation("options.audiences is required to run the campaign (use [\"all\"] for every contact)")
		}
		rn, err := s.newRunLocked(c, opts.Audiences, opts.TimeToRun, now, true)
		if err != nil {
			return err
		}
		c.runs = append(c.runs, rn)
	}
	s.campaigns[c.ID] = c
	s.cmpOrder = append(s.cmpOrder, c.ID)
	out := s.campaignJSONLocked(c, now)
	out["status"] = "success"
	writeJSON(w, http.StatusOK, out)
	return nil
}

type runCampaignRequest struct {
	CampaignID string   `json:"campaignId"`
	Audiences  []string `json:"audiences"`
	TimeToRun  *int64   `json:"timeToRun"`
}

func (s *Server) handleRunCampaign(w http.ResponseWriter, r *http.Request) error {
	var req runCampaignRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.CampaignID == "" {
		return errValidation("campaignId is required")
	}
	if len(req.Audiences) == 0 {
		return errValidation("audiences is required: at least one audience id (use [\"all\"] for every contact)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.campaigns[req.CampaignID]
	if !ok {
		return errNotFound("campaign %q not found", req.CampaignID)
	}
	now := s.simNowLocked()
	if now.Before(c.ApprovedAt) {
		return &apiError{http.StatusConflict, CodeTemplateNotApproved,
			fmt.Sprintf("campaign %s template is %s; runs are allowed once it is %s", c.ID, TemplatePending, TemplateApproved)}
	}
	rn, err := s.newRunLocked(c, req.Audiences, req.TimeToRun, now, false)
	if err != nil {
		return err
	}
	c.runs = append(c.runs, rn)
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "campaignId": c.ID, "run": s.runJSONLocked(c, rn, now)})
	return nil
}

type retrieveCampaignsRequest struct {
	Active *bool `json:"active"`
}

func (s *Server) handleRetrieveCampaigns(w http.ResponseWriter, r *http.Request) error {
	active := r.URL.Query().Get("active") == "true"
	if r.Method == http.MethodPost && r.ContentLength != 0 {
		var req retrieveCampaignsRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		if req.Active != nil {
			active = active || *req.Active
		}
	}
	s.mu.Lock()
	now := s.simNowLocked()
	out := make([]map[string]any, 0, len(s.cmpOrder))
	for _, id := range s.cmpOrder {
		c := s.campaigns[id]
		cj := s.campaignJSONLocked(c, now)
		if active && !cj["active"].(bool) {
			continue
		}
		out = append(out, map[string]any{"status": "success", "campaigns": cj})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) campaignJSONLocked(c *campaign, now time.Time) map[string]any {
	status := TemplatePending
	if !now.Before(c.ApprovedAt) {
		status = TemplateApproved
	}
	var total runCounts
	runs := make([]map[string]any, 0, len(c.runs))
	active := false
	for _, rn := range c.runs {
		rj := s.runJSONLocked(c, rn, now)
		if st := rj["status"]; st != "done" {
			active = true
		}
		total.plus(rj["counts"].(runCounts))
		delete(rj, "counts")
		runs = append(runs, rj)
	}
	vars := c.Variables
	if vars == nil {
		vars = []string{}
	}
	buttons := c.Buttons
	if buttons == nil {
		buttons = []Button{}
	}
	return map[string]any{
		"campaignId": c.ID, "templateId": c.ID, "title": c.Title, "message": c.Message, "imgUrl": c.ImgURL,
		"buttons": buttons, "variables": vars, "locale": locale(c.LanguageCode), "languageCode": c.LanguageCode,
		"whatsAppTemplateType": c.TemplateType, "whatsAppTemplatesStatus": status,
		"createdAt": c.CreatedAt.Unix(), "active": active, "runs": runs,
		"totalSent": total.Sent, "totalDelivered": total.Delivered, "totalRead": total.Read,
		"totalSendErrors": total.SendErrors, "totalDeliveryErrors": total.DeliveryErrors,
		"totalNotOnWhatsApp": total.NotOnWhatsApp,
		"deliveryRate":       ratio(total.Delivered, total.Sent), "readRate": ratio(total.Read, total.Delivered),
	}
}

func locale(lang string) string {
	if len(lang) == 4 {
		return lang[:2] + "_" + lang[2:]
	}
	return lang
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Server) newIDLocked(prefix string) string {
	s.seq++
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	x := splitmix(uint64(s.opts.Seed)<<32 ^ s.seq ^ splitmix(s.epoch))
	b := make([]byte, 12)
	for i := range b {
		b[i] = alphabet[x%62]
		x /= 62
		if x == 0 {
			x = splitmix(s.seq + uint64(i))
		}
	}
	return prefix + string(b)
}
