package sinks

import "time"

// Schema names of the records campaignflow publishes. They are part of the
// public contract: consumers switch on the "schema" field.
const (
	SchemaCampaignSnapshot = "campaign_snapshot.v1"
	SchemaContactOutcome   = "contact_outcome.v1"
	SchemaIngestReport     = "ingest_report.v1"
	SchemaSendReport       = "send_report.v1"
)

// CampaignSnapshot is one poll of a campaign's results after a run, published
// on chatinc.results.campaign.<campaignId> with Nats-Msg-Id
// "<campaignId>:<runId>:<poll>".
type CampaignSnapshot struct {
	Schema         string    `json:"schema" parquet:"schema"`
	CampaignID     string    `json:"campaign_id" parquet:"campaign_id"`
	PromoID        string    `json:"promo_id,omitempty" parquet:"promo_id,optional"`
	Title          string    `json:"title" parquet:"title"`
	RunID          string    `json:"run_id" parquet:"run_id"`
	Poll           int       `json:"poll" parquet:"poll"`
	TakenAt        time.Time `json:"taken_at" parquet:"taken_at,timestamp(millisecond)"`
	Sent           int64     `json:"sent" parquet:"sent"`
	Delivered      int64     `json:"delivered" parquet:"delivered"`
	Read           int64     `json:"read" parquet:"read"`
	SendErrors     int64     `json:"send_errors" parquet:"send_errors"`
	DeliveryErrors int64     `json:"delivery_errors" parquet:"delivery_errors"`
	NotOnWhatsApp  int64     `json:"not_on_whatsapp" parquet:"not_on_whatsapp"`
	DeliveryRate   float64   `json:"delivery_rate" parquet:"delivery_rate"`
	ReadRate       float64   `json:"read_rate" parquet:"read_rate"`
}

// Rates fills DeliveryRate (delivered/sent) and ReadRate (read/delivered),
// 0 when the divisor is 0.
func (s *CampaignSnapshot) Rates() {
	s.DeliveryRate, s.ReadRate = 0, 0
	if s.Sent > 0 {
		s.DeliveryRate = float64(s.Delivered) / float64(s.Sent)
	}
	if s.Delivered > 0 {
		s.ReadRate = float64(s.Read) / float64(s.Delivered)
	}
}

// ContactOutcome is one contact's status in one run, published in batches on
// chatinc.results.contacts.<campaignId> when its status changed since the
// previous poll.
type ContactOutcome struct {
	Schema     string    `json:"schema" parquet:"schema"`
	CampaignID string    `json:"campaign_id" parquet:"campaign_id"`
	RunID      string    `json:"run_id" parquet:"run_id"`
	Number     string    `json:"number" parquet:"number"`
	Status     string    `json:"status" parquet:"status"`
	Error      string    `json:"error" parquet:"error"`
	UpdatedAt  time.Time `json:"updated_at" parquet:"updated_at,timestamp(millisecond)"`
}

// ContactOutcomeBatch is the message body on chatinc.results.contacts.<id>.
type ContactOutcomeBatch struct {
	Schema     string           `json:"schema"`
	CampaignID string           `json:"campaign_id"`
	RunID      string           `json:"run_id"`
	Poll       int              `json:"poll"`
	Batch      int              `json:"batch"`
	Rows       []ContactOutcome `json:"rows"`
}

// RowError is one rejected input row of an ingest.
type RowError struct {
	Row    int    `json:"row" parquet:"row"`
	Column string `json:"column" parquet:"column"`
	Value  string `json:"value,omitempty" parquet:"-"` // the raw input (may be a phone number): NDJSON only
	Reason string `json:"reason" parquet:"reason"`
}

// IngestReport says what an ingest (segment event, file event, import) did
// with its rows; published on chatinc.results.ingest.<eventId>.
type IngestReport struct {
	Schema        string     `json:"schema" parquet:"schema"`
	EventID       string     `json:"event_id" parquet:"event_id"`
	EventType     string     `json:"event_type" parquet:"event_type"`
	AudienceID    string     `json:"audience_id" parquet:"audience_id"`
	VariableGroup string     `json:"variable_group,omitempty" parquet:"variable_group,optional"`
	RowsTotal     int64      `json:"rows_total" parquet:"rows_total"`
	RowsAccepted  int64      `json:"rows_accepted" parquet:"rows_accepted"`
	RowsRejected  int64      `json:"rows_rejected" parquet:"rows_rejected"`
	Rejected      []RowError `json:"rejected" parquet:"rejected,list"`
	// RejectedOmitted counts rejected rows beyond the first 1000 listed in Rejected.
	RejectedOmitted int64     `json:"rejected_omitted" parquet:"rejected_omitted"`
	FinishedAt      time.Time `json:"finished_at" parquet:"finished_at,timestamp(millisecond)"`
}

// MaxReportedRowErrors is how many rejected rows an IngestReport lists in full.
const MaxReportedRowErrors = 1000

// SendReport says whom one promo run sent to after its frequency cap:
// published on chatinc.results.send.<promoId> with Nats-Msg-Id
// "send:<runKey>" when the run is recorded (or when nobody was left to
// send to). ContactsTotal = ContactsSent + Capped + InvalidNumber.
type SendReport struct {
	Schema     string `json:"schema" parquet:"schema"`
	PromoID    string `json:"promo_id" parquet:"promo_id"`
	RunKey     string `json:"run_key" parquet:"run_key"` // the run's ledger key
	CampaignID string `json:"campaign_id" parquet:"campaign_id"`
	RunID      string `json:"run_id" parquet:"run_id"` // "" when nobody was left to send to
	// RunAt is when the run sends (after quiet hours).
	RunAt     time.Time `json:"run_at" parquet:"run_at,timestamp(millisecond)"`
	TimeZone  string    `json:"time_zone,omitempty" parquet:"time_zone,optional"` // a local-time run's zone
	Audiences []string  `json:"audiences" parquet:"audiences,list"`               // as the promo named them
	// DerivedAudience is the Chat Inc audience the run was sent to: the
	// contacts of Audiences less those left out.
	DerivedAudience string    `json:"derived_audience" parquet:"derived_audience"`
	ContactsTotal   int64     `json:"contacts_total" parquet:"contacts_total"`
	ContactsSent    int64     `json:"contacts_sent" parquet:"contacts_sent"`
	Capped          int64     `json:"capped" parquet:"capped"`
	InvalidNumber   int64     `json:"invalid_number" parquet:"invalid_number"`
	CapMax          int       `json:"cap_max" parquet:"cap_max"`
	CapPer          string    `json:"cap_per" parquet:"cap_per"`
	FinishedAt      time.Time `json:"finished_at" parquet:"finished_at,timestamp(millisecond)"`
}
