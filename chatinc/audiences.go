package chatinc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
)

// CreateAudience creates an audience (or merges into an existing one with
// the same id) with its contacts, sent in batches.
func (c *Client) CreateAudience(ctx context.Context, a Audience) (*AudienceResult, error) {
	if a.ID == "" {
		return nil, invalid("id", "is required")
	}
	if a.Name == "" {
		return nil, invalid("name", "is required to create an audience")
	}
	return c.mergeContacts(ctx, a.ID, a.Name, a.Description, a.Contacts)
}

// AddContactsToAudience merges contacts into an existing audience, in
// batches; numbers already in it are not added twice.
func (c *Client) AddContactsToAudience(ctx context.Context, audienceID string, contacts []Contact) (*AudienceResult, error) {
	if audienceID == "" {
		return nil, invalid("id", "is required")
	}
	return c.mergeContacts(ctx, audienceID, "", "", contacts)
}

// mergeContacts sends one request per batch, encoding one batch at a time.
func (c *Client) mergeContacts(ctx context.Context, id, name, desc string, contacts []Contact) (*AudienceResult, error) {
	for i, ct := range contacts {
		if ct.Number == "" {
			return nil, invalid(fmt.Sprintf("contacts[%d].number", i), "is required")
		}
	}
	res := &AudienceResult{ID: id, Name: name}
	var buf bytes.Buffer
	for start := 0; start == 0 || start < len(contacts); start += c.batch {
		end := min(start+c.batch, len(contacts))
		buf.Reset()
		encodeAudienceBatch(&buf, id, name, desc, contacts[start:end])
		body := buf.Bytes()
		var out AudienceResult
		err := c.do(ctx, call{endpoint: pathCreateAudience, method: http.MethodPost, idempotent: true,
			body:   func() (io.Reader, string, error) { return bytes.NewReader(body), "application/json", nil },
			handle: c.decodeInto(&out)})
		if err != nil {
			return res, fmt.Errorf("chatinc: audience %q: contacts %d-%d: %w", id, start, end-1, err)
		}
		res.Added += out.Added
		res.Total = out.Total
		if out.Name != "" {
			res.Name = out.Name
		}
		name, desc = "", "" // only the first batch creates
		if end == len(contacts) {
			break
		}
	}
	return res, nil
}

// encodeAudienceBatch writes {"id":..,"name":..,"contacts":[{"number":..}..]}
// without reflection: this is the hot path of large imports.
func encodeAudienceBatch(buf *bytes.Buffer, id, name, desc string, contacts []Contact) {
	n := 64 + len(id) + len(name) + len(desc) // grown once (plain ASCII: exact, but for the slack)
	for _, ct := range contacts {
		n += 14 + len(ct.Number)
	}
	buf.Grow(n)
	buf.WriteString(`{"id":`)
	writeJSONString(buf, id)
	if name != "" {
		buf.WriteString(`,"name":`)
		writeJSONString(buf, name)
	}
	if desc != "" {
		buf.WriteString(`,"description":`)
		writeJSONString(buf, desc)
	}
	buf.WriteString(`,"contacts":[`)
	for i, ct := range contacts {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"number":`)
		writeJSONString(buf, ct.Number)
		buf.WriteByte('}')
	}
	buf.WriteString("]}")
}

// writeJSONString writes s as a JSON string; plain ASCII fast, else via json.
func writeJSONString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x80 || ch == '<' || ch == '>' || ch == '&' {
			b, _ := json.Marshal(s)
			buf.Write(b)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// RetrieveAudiences lists the audiences.
func (c *Client) RetrieveAudiences(ctx context.Context) ([]AudienceInfo, error) {
	var out []AudienceInfo
	err := c.do(ctx, call{endpoint: pathRetrieveAudiences, method: http.MethodGet, idempotent: true, handle: c.decodeInto(&out)})
	return out, err
}

// audiencePage is how many contacts AudienceContacts asks for at a time.
const audiencePage = 1000

// AudienceContacts iterates over an audience's contacts, a page at a time.
// Stop early by breaking out of the loop.
func (c *Client) AudienceContacts(ctx context.Context, audienceID string) iter.Seq2[Contact, error] {
	return func(yield func(Contact, error) bool) {
		if audienceID == "" {
			yield(Contact{}, invalid("id", "is required"))
			return
		}
		cursor := ""
		for {
			var page struct {
				Contacts   []Contact `json:"contacts"`
				NextCursor string    `json:"nextCursor"`
			}
			req := map[string]any{"id": audienceID, "limit": audiencePage}
			if cursor != "" {
				req["cursor"] = cursor
			}
			err := c.do(ctx, call{endpoint: pathAudienceContacts, method: http.MethodPost, body: jsonBody(req),
				idempotent: true, handle: c.decodeInto(&page)})
			if err != nil {
				yield(Contact{}, fmt.Errorf("chatinc: audience %q: %w", audienceID, err))
				return
			}
			for _, ct := range page.Contacts {
				if !yield(ct, nil) {
					return
				}
			}
			if page.NextCursor == "" || page.NextCursor == cursor {
				return
			}
			cursor = page.NextCursor
		}
	}
}
