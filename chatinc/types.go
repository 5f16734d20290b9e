package chatinc

import (
	"io"
	"time"
)

// Button is an interactive button of a campaign message.
type Button struct {
	Text        string `json:"text"`
	Type        string `json:"type"` // journey, input, url or phone
	JourneyID   string `json:"journeyId,omitempty"`
	Input       string `json:"input,omitempty"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// CampaignOptions are the options.* of a create-campaign request.
type CampaignOptions struct {
	RunImmediately       bool
	Audiences            []string
	LanguageCode         string    // default enUS
	TimeToRun            time.Time // zero: immediately (when running)
	WhatsAppTemplateType string    // default MARKETING
}

// CreateCampaignRequest creates a campaign (a WhatsApp template); with
// RunImmediately or TimeToRun it also runs it.
type CreateCampaignRequest struct {
	Title   string
	Message string // may hold {group.field} variables
	ImgURL  string
	Buttons []Button
	Options CampaignOptions
}

// RunCampaignRequest runs a created campaign.
type RunCampaignRequest struct {
	CampaignID string
	Audiences  []string  // audience ids, or "all"
	TimeToRun  time.Time // zero: now
}

// Run is one run of a campaign, with its counts when Chat Inc reports them.
type Run struct {
	RunID          string   `json:"runId"`
	CampaignID     string   `json:"campaignId,omitempty"`
	Audiences      []string `json:"audiences"`
	TimeToRun      int64    `json:"timeToRun"`
	CreatedAt      int64    `json:"createdAt"`
	StartedAt      int64    `json:"startedAt"`
	Status         string   `json:"status"`
	Contacts       int64    `json:"contacts"`
	Sent           int64    `json:"sent"`
	Delivered      int64    `json:"delivered"`
	Read           int64    `json:"read"`
	SendErrors     int64    `json:"sendErrors"`
	DeliveryErrors int64    `json:"deliveryErrors"`
	NotOnWhatsApp  int64    `json:"notOnWhatsApp"`
}

// Template statuses.
const (
	TemplatePending  = "PENDING"
	TemplateApproved = "APPROVED"
)

// Campaign is a campaign as Chat Inc returns it.
type Campaign struct {
	CampaignID              string   `json:"campaignId"`
	TemplateID              string   `json:"templateId"`
	Title                   string   `json:"title"`
	Message                 string   `json:"message"`
	ImgURL                  string   `json:"imgUrl"`
	Buttons                 []Button `json:"buttons"`
	Variables               []string `json:"variables"`
	Locale                  string   `json:"locale"`
	LanguageCode            string   `json:"languageCode"`
	WhatsAppTemplateType    string   `json:"whatsAppTemplateType"`
	WhatsAppTemplatesStatus string   `json:"whatsAppTemplatesStatus"`
	CreatedAt               int64    `json:"createdAt"`
	Active                  bool     `json:"active"`
	Runs                    []Run    `json:"runs"`
	TotalSent               int64    `json:"totalSent"`
	TotalDelivered          int64    `json:"totalDelivered"`
	TotalRead               int64    `json:"totalRead"`
	TotalSendErrors         int64    `json:"totalSendErrors"`
	TotalDeliveryErrors     int64    `json:"totalDeliveryErrors"`
	TotalNotOnWhatsApp      int64    `json:"totalNotOnWhatsApp"`
	DeliveryRate            float64  `json:"deliveryRate"`
	ReadRate                float64  `json:"readRate"`
}

// Approved reports whether the campaign's template may be run.
func (c *Campaign) Approved() bool { return c.WhatsAppTemplatesStatus == TemplateApproved }

// RetrieveCampaignsOptions filter RetrieveCampaigns.
type RetrieveCampaignsOptions struct {
	Active bool // only campaigns with a run scheduled or in progress
}

// Format of campaign details.
type Format string

// Detail formats.
const (
	FormatJSON Format = "json"
	FormatCSV  Format = "csv"
)

// CampaignDetailsRequest asks for per-contact results.
type CampaignDetailsRequest struct {
	CampaignID string
	RunID      string // optional: one run only
	Format     Format // json (default) or csv; the rows are the same
}

// ContactResult is one contact's outcome in one run.
type ContactResult struct {
	Number    string `json:"number"`
	Action    string `json:"action"` // queued, sent, delivered, read, send_error, delivery_error, not_on_whatsapp
	RunID     string `json:"runId"`
	Error     string `json:"error"`
	UpdatedAt int64  `json:"updatedAt"`
}

// Contact is a member of an audience.
type Contact struct {
	Number string `json:"number"`
}

// Audience is an audience to create, with its first contacts.
type Audience struct {
	ID, Name, Description string
	Contacts              []Contact
}

// AudienceResult is what Chat Inc says after a create or merge.
type AudienceResult struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Added int    `json:"added"` // numbers new to the audience
	Total int    `json:"total"` // audience size afterwards
}

// AudienceInfo is one audience in RetrieveAudiences.
type AudienceInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Size        int    `json:"size"`
}

// VariableValues are one number's values of a variable group.
type VariableValues struct {
	Number string
	Values map[string]string
}

// VariableGroup is a variable group to create or merge into.
type VariableGroup struct {
	ID, Name, Description string
	Fields                []string
	Values                []VariableValues
}

// VariableGroupResult is what Chat Inc says after a create or merge.
type VariableGroupResult struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
	Added  int      `json:"added"`
	Total  int      `json:"total"`
}

// VariableGroupInfo is one group in RetrieveVariableGroups.
type VariableGroupInfo struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
	Size   int      `json:"size"`
}

// AudienceFile is a CSV (with a number column) to add to an audience.
type AudienceFile struct {
	ID, Name string
	File     io.Reader
	FileName string
}

// VariableGroupFile is a CSV (number plus one column per field) to load into
// a variable group; its numbers also join the audience AudienceID.
type VariableGroupFile struct {
	ID, Name, AudienceID string
	File                 io.Reader
	FileName             string
}

// RowError is a CSV row Chat Inc rejected.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Error  string `json:"error"`
}

// UploadResult is what Chat Inc says after a CSV upload.
type UploadResult struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Fields        []string   `json:"fields,omitempty"`
	Added         int        `json:"added"`
	Total         int        `json:"total"`
	Rows          int        `json:"rows"`
	Rejected      []RowError `json:"rejected"`
	RejectedCount int        `json:"rejectedCount"`
}
