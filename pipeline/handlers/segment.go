package handlers

import (
	"context"
	"fmt"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// Segment handles customer-segment-updated: good numbers (E.164) join the
// audience and, with a variable group, their named attributes become the
// group's values; bad numbers are rejected rows of the ingest report
// (row = 1-based position in contacts). Merges are idempotent by number.
func (h *Handlers) Segment(ctx context.Context, eventID string, ev *events.SegmentUpdated) error {
	if err := ev.Validate(); err != nil {
		return classify(err)
	}
	return h.segment(ctx, eventID, ev)
}

// segment is Segment for an event already validated (the router's path: events.Decode
// checked it).
func (h *Handlers) segment(ctx context.Context, eventID string, ev *events.SegmentUpdated) error {
	group := h.defaults.segmentGroup(ev.VariableGroup)
	if group != nil && len(group.Fields) == 0 {
		group.Fields = attributeNames(ev.Contacts)
	}
	if group != nil && len(group.Fields) == 0 {
		group = nil // nothing to store
	}
	groupID := ""
	if group != nil {
		groupID = group.ID
	}
	rep := newReport(eventID, events.TypeSegmentUpdated, ev.Audience.ID, groupID)
	contacts := make([]chatinc.Contact, 0, len(ev.Contacts))
	var values []chatinc.VariableValues
	for i, c := range ev.Contacts {
		n, err := h.numbers.E164(c.Number)
		if err != nil {
			rep.reject(i+1, "number", c.Number, err.Error())
			continue
		}
		rep.accept()
		contacts = append(contacts, chatinc.Contact{Number: n})
		if group != nil {
			values = append(values, chatinc.VariableValues{Number: n, Values: groupValues(group.Fields, c.Attributes)})
		}
	}
	if len(contacts) > 0 {
		aud := chatinc.Audience{ID: ev.Audience.ID, Name: nameOr(ev.Audience.Name, ev.Audience.ID), Description: ev.Audience.Description}
		if err := h.audiences.add(ctx, aud.ID, aud, contacts); err != nil {
			return classify(fmt.Errorf("handlers: %s %s: add %d contacts to audience %q: %w", events.TypeSegmentUpdated, eventID, len(contacts), ev.Audience.ID, err))
		}
		if group != nil {
			g := chatinc.VariableGroup{ID: group.ID, Name: nameOr(group.Name, group.ID), Description: group.Description, Fields: group.Fields}
			if err := h.groups.add(ctx, groupKey(g), g, values); err != nil {
				return classify(fmt.Errorf("handlers: %s %s: upsert %d values of variable group %q: %w", events.TypeSegmentUpdated, eventID, len(values), group.ID, err))
			}
		}
	}
	return h.publishReport(ctx, rep)
}

func (h *Handlers) publishReport(ctx context.Context, rep *reportBuilder) error {
	r := rep.finish(h.now())
	if err := h.reports.PublishIngestReport(ctx, r); err != nil {
		return classify(fmt.Errorf("handlers: publish ingest report of %s %s: %w", r.EventType, r.EventID, err))
	}
	h.log.InfoContext(ctx, "handlers: ingest done", "event_id", r.EventID, "type", r.EventType, "audience", r.AudienceID,
		"accepted", r.RowsAccepted, "rejected", r.RowsRejected)
	return nil
}
