package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// File handles audience-file-uploaded: it opens the source through the
// Opener, reads the CSV a row at a time, and sends good rows to Chat Inc in
// batches while reading (memory stays flat); bad rows go to the report.
func (h *Handlers) File(ctx context.Context, eventID string, ev *events.AudienceFileUploaded) error {
	if err := ev.Validate(); err != nil {
		return classify(err)
	}
	if h.opener == nil {
		return permanent(fmt.Errorf("handlers: %s %s: no file sources are configured; set the allowed directories, URLs or object store", events.TypeAudienceFileUploaded, eventID))
	}
	rc, err := h.opener.Open(ctx, ev.Source)
	if err != nil {
		return classify(fmt.Errorf("handlers: %s %s: open source: %w", events.TypeAudienceFileUploaded, eventID, err))
	}
	defer rc.Close()
	rows, err := h.csv(rc)
	if err != nil {
		return validation(fmt.Errorf("handlers: %s %s: %w", events.TypeAudienceFileUploaded, eventID, err))
	}
	cols, err := h.defaults.mapColumns(rows.Header(), ev.Columns)
	if err != nil {
		return validation(err)
	}
	group := ev.VariableGroup
	if group == nil && h.defaults.VariableGroup != "" {
		group = &events.VariableGroupRef{ID: h.defaults.VariableGroup}
	}
	if group != nil && len(cols.fields) == 0 {
		group = nil
	}
	groupID := ""
	if group != nil {
		groupID = group.ID
	}
	rep := newReport(eventID, events.TypeAudienceFileUploaded, ev.Audience.ID, groupID)
	b := &fileBatch{h: h, ev: ev, group: group, cols: cols, eventID: eventID}
	for {
		rec, rowNum, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *RowError
		if errors.As(err, &rowErr) {
			rep.reject(rowNum, "", "", rowErr.Err.Error())
			continue
		}
		if err != nil {
			return classify(fmt.Errorf("handlers: %s %s: reading row %d: %w", events.TypeAudienceFileUploaded, eventID, rowNum, err))
		}
		raw := ""
		if cols.number < len(rec) {
			raw = rec[cols.number]
		}
		n, err := h.numbers.E164(raw)
		if err != nil {
			rep.reject(rowNum, rows.Header()[cols.number], raw, err.Error())
			continue
		}
		rep.accept()
		b.add(n, rec)
		if len(b.contacts) >= h.batch {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	return h.publishReport(ctx, rep)
}

// fileBatch collects rows until a batch is full.
type fileBatch struct {
	h        *Handlers
	ev       *events.AudienceFileUploaded
	group    *events.VariableGroupRef
	cols     columnMap
	eventID  string
	contacts []chatinc.Contact
	values   []chatinc.VariableValues
}

func (b *fileBatch) add(number string, rec []string) {
	b.contacts = append(b.contacts, chatinc.Contact{Number: number})
	if b.group == nil {
		return
	}
	vals := make(map[string]string, len(b.cols.fields))
	for i, f := range b.cols.fields {
		if j := b.cols.index[i]; j < len(rec) {
			vals[f] = rec[j]
		}
	}
	b.values = append(b.values, chatinc.VariableValues{Number: number, Values: vals})
}

func (b *fileBatch) flush(ctx context.Context) error {
	if len(b.contacts) == 0 {
		return nil
	}
	a := b.ev.Audience
	if _, err := b.h.client.CreateAudience(ctx, chatinc.Audience{ID: a.ID, Name: nameOr(a.Name, a.ID), Description: a.Description, Contacts: b.contacts}); err != nil {
		return classify(fmt.Errorf("handlers: %s %s: add %d contacts to audience %q: %w", events.TypeAudienceFileUploaded, b.eventID, len(b.contacts), a.ID, err))
	}
	if b.group != nil {
		g := b.group
		if _, err := b.h.client.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: g.ID, Name: nameOr(g.Name, g.ID), Description: g.Description,
			Fields: b.cols.fields, Values: b.values}); err != nil {
			return classify(fmt.Errorf("handlers: %s %s: upsert %d values of variable group %q: %w", events.TypeAudienceFileUploaded, b.eventID, len(b.values), g.ID, err))
		}
	}
	b.contacts, b.values = b.contacts[:0], b.values[:0]
	return nil
}
