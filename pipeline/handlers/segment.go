package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// SegmentHandler handles customer-segment-updated: good numbers (E.164)
// join the audience and, with a variable group, their named attributes
// become the group's values; bad numbers are rejected rows of the ingest
// report (row = 1-based position in contacts). Merges are idempotent by
// number; concurrent events for one audience or group share calls (group
// commit, WithCoalesce).
type SegmentHandler struct {
	client    AudienceClient
	report    reporter
	numbers   e164.Mapper
	audiences *coalescer[chatinc.Audience, chatinc.Contact]
	groups    *coalescer[chatinc.VariableGroup, chatinc.VariableValues]
}

// NewSegmentHandler returns the handler; reports receives one ingest report
// per event. Options read: WithCoalesce, WithBatchSize, WithDefaultRegion,
// WithClock, WithLogger.
func NewSegmentHandler(client AudienceClient, reports ReportPublisher, opts ...Option) (*SegmentHandler, error) {
	if client == nil || reports == nil {
		return nil, errors.New("handlers: NewSegmentHandler needs a Chat Inc client and a report publisher")
	}
	s := newSettings(opts)
	h := &SegmentHandler{client: client, report: reporter{reports: reports, clock: s.clock, log: s.log}, numbers: s.numbers}
	h.audiences = newCoalescer(s.coalesce, s.batch, flushTimeout, h.flushAudience)
	h.groups = newCoalescer(s.coalesce, s.batch, flushTimeout, h.flushGroup)
	return h, nil
}

// took is a contact whose number was taken: its index, and where its E.164
// ends in the event's numbers.
type took struct{ contact, end int }

// flushTimeout bounds a coalesced call (the client's retry budget is shorter).
const flushTimeout = 5 * time.Minute

func (h *SegmentHandler) register(r *pipeline.Router) {
	register(r, events.TypeSegmentUpdated, h.segment)
}

// Handle validates the event, then handles it (the router's path validates
// once, at decode).
func (h *SegmentHandler) Handle(ctx context.Context, eventID string, ev *events.SegmentUpdated) error {
	return checked(ctx, eventID, ev, h.segment)
}

func (h *SegmentHandler) segment(ctx context.Context, eventID string, ev *events.SegmentUpdated) error {
	group := segmentGroup(ev.VariableGroup)
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
	// The good numbers are written one after the other and made one
	// string: one allocation for the event's numbers, not one each.
	var numberBuf [256]byte
	var tookBuf [16]took
	numbers, taken := numberBuf[:0], tookBuf[:0]
	for i, c := range ev.Contacts {
		out, err := h.numbers.AppendE164(numbers, c.Number)
		if err != nil {
			rep.reject(i+1, "number", c.Number, err.Error())
			continue
		}
		rep.accept()
		numbers = out
		taken = append(taken, took{contact: i, end: len(numbers)})
	}
	all := string(numbers)
	contacts := make([]chatinc.Contact, 0, len(taken))
	var values []chatinc.VariableValues
	start := 0
	for _, tk := range taken {
		n := all[start:tk.end]
		start = tk.end
		contacts = append(contacts, chatinc.Contact{Number: n})
		if group != nil {
			values = append(values, chatinc.VariableValues{Number: n, Values: groupValues(group.Fields, ev.Contacts[tk.contact].Attributes)})
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
	return h.report.publish(ctx, rep)
}
