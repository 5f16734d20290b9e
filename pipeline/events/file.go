package events

import (
	"net/url"
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/sources"
)

// ObjectStoreRef is a file in a NATS Object Store bucket.
type ObjectStoreRef struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// Source is where an uploaded audience file is: exactly one of ObjectStore,
// File (a path under a configured allowed directory) or URL (HTTPS on a
// configured allow-list).
type Source struct {
	ObjectStore *ObjectStoreRef `json:"object_store,omitempty"`
	File        string          `json:"file,omitempty"`
	URL         string          `json:"url,omitempty"`
}

// Columns maps CSV headers: Number is the phone number's column (default
// "number"); Fields maps variable-group field -> CSV column. Headers match
// case-insensitively.
type Columns struct {
	Number string            `json:"number,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// AudienceFileUploaded is audience-file-uploaded: a CSV whose rows join an
// audience and, with VariableGroup, fill a variable group.
type AudienceFileUploaded struct {
	EventID       string            `json:"event_id,omitempty"`
	Audience      Audience          `json:"audience"`
	Source        Source            `json:"source"`
	Columns       *Columns          `json:"columns,omitempty"`
	VariableGroup *VariableGroupRef `json:"variable_group,omitempty"`
}

// maxPathBytes is the longest file source path (Linux's PATH_MAX).
const maxPathBytes = 4096

// Validate returns every problem of the event. Whether the location is
// allowed is the opener's policy, checked when the file is opened.
func (e *AudienceFileUploaded) Validate() error {
	p := &problems{event: TypeAudienceFileUploaded}
	p.eventID(e.EventID)
	p.audience("audience", e.Audience)
	n := 0
	if o := e.Source.ObjectStore; o != nil {
		n++
		if err := sources.CheckObjectLocation(sources.ObjectStoreLocation{Bucket: o.Bucket, Key: o.Key}); err != nil {
			p.add("source.object_store", "%s", strings.TrimPrefix(err.Error(), "sources: location refused: "))
		}
	}
	if e.Source.File != "" {
		n++
		if len(e.Source.File) > maxPathBytes {
			p.add("source.file", "a path of %d bytes; at most %d", len(e.Source.File), maxPathBytes)
		}
	}
	if e.Source.URL != "" {
		n++
		if u, err := url.Parse(e.Source.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			p.add("source.url", "%s must be an https URL", ids.Quote(e.Source.URL))
		}
	}
	if n != 1 {
		p.add("source", "exactly one of object_store, file or url is required; got %d", n)
	}
	if c := e.Columns; c != nil {
		for f := range c.Fields {
			if !idRE.MatchString(f) {
				p.add("columns.fields."+f, "field name must be letters, digits, _ or -")
			}
		}
	}
	p.variableGroup("variable_group", e.VariableGroup)
	return p.err()
}

// ID is the event's own id (event_id; "" when the body has none).
func (e *AudienceFileUploaded) ID() string { return e.EventID }
