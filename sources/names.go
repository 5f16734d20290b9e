// Package sources is where campaignflow's work comes from: the NATS
// JetStream topology (streams, the events consumer, KV buckets), the consume
// loop that keeps slow messages alive, an embedded nats-server for running
// without infrastructure, and CSV reading from allowed locations.
package sources

import (
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// Names are the NATS resources campaignflow uses; DefaultNames is the
// public contract, every name is configurable.
type Names struct {
	Prefix         string `koanf:"prefix" yaml:"prefix"`
	EventsStream   string `koanf:"events_stream" yaml:"events_stream"`
	EventsConsumer string `koanf:"events_consumer" yaml:"events_consumer"`
	ResultsStream  string `koanf:"results_stream" yaml:"results_stream"`
	DLQStream      string `koanf:"dlq_stream" yaml:"dlq_stream"`
	LedgerBucket   string `koanf:"ledger_bucket" yaml:"ledger_bucket"`
	JobsBucket     string `koanf:"jobs_bucket" yaml:"jobs_bucket"`
	LeasesBucket   string `koanf:"leases_bucket" yaml:"leases_bucket"`
	CapsBucket     string `koanf:"caps_bucket" yaml:"caps_bucket"`
}

// DefaultNames returns the names of the contract.
func DefaultNames() Names {
	return Names{
		Prefix:         "chatinc",
		EventsStream:   "CHATINC_EVENTS",
		EventsConsumer: "campaignflow-events",
		ResultsStream:  "CHATINC_RESULTS",
		DLQStream:      "CHATINC_DLQ",
		LedgerBucket:   "campaignflow_ledger",
		JobsBucket:     jobs.Bucket,
		LeasesBucket:   "campaignflow_leases",
		CapsBucket:     caps.Bucket,
	}
}

// EventSubject is <prefix>.events.<type>.
func (n Names) EventSubject(eventType string) string { return n.Prefix + ".events." + eventType }

// EventsFilter is <prefix>.events.>.
func (n Names) EventsFilter() string { return n.Prefix + ".events.>" }

// EventTypeOf returns the event type of an events subject ("" if none).
func (n Names) EventTypeOf(subject string) string {
	p := n.Prefix + ".events."
	if !strings.HasPrefix(subject, p) {
		return ""
	}
	return subject[len(p):]
}

// ResultsFilter is <prefix>.results.>.
func (n Names) ResultsFilter() string { return n.Prefix + ".results.>" }

// ResultCampaignSubject is <prefix>.results.campaign.<id>.
func (n Names) ResultCampaignSubject(campaignID string) string {
	return n.Prefix + ".results.campaign." + token(campaignID)
}

// ResultContactsSubject is <prefix>.results.contacts.<id>.
func (n Names) ResultContactsSubject(campaignID string) string {
	return n.Prefix + ".results.contacts." + token(campaignID)
}

// ResultIngestSubject is <prefix>.results.ingest.<eventId>.
func (n Names) ResultIngestSubject(eventID string) string {
	return n.Prefix + ".results.ingest." + token(eventID)
}

// ResultSendSubject is <prefix>.results.send.<promoId>.
func (n Names) ResultSendSubject(promoID string) string {
	return n.Prefix + ".results.send." + token(promoID)
}

// DLQFilter is <prefix>.dlq.>.
func (n Names) DLQFilter() string { return n.Prefix + ".dlq.>" }

// DLQSubject is <prefix>.dlq.<type>.
func (n Names) DLQSubject(eventType string) string {
	if eventType == "" {
		eventType = "unknown"
	}
	return n.Prefix + ".dlq." + token(eventType)
}

// token makes s safe as one subject token: see ids.Token.
func token(s string) string { return ids.Token(s) }
