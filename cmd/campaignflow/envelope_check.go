package main

import (
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/sources"
)

// bodyMsg is an event body as a worker would consume it from a subject:
// what pipeline.Decode reads of a message (subject, body, headers,
// metadata). It is never acknowledged (the embedded Msg is nil).
type bodyMsg struct {
	jetstream.Msg
	subject string
	data    []byte
	hdr     nats.Header
}

func (m bodyMsg) Subject() string      { return m.subject }
func (m bodyMsg) Data() []byte         { return m.data }
func (m bodyMsg) Headers() nats.Header { return m.hdr }
func (m bodyMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return nil, errors.New("not from a stream")
}

// envelopeProblems are the problems the worker's decode (pipeline.Decode)
// finds in body published on typ's subject that the event's own checks do
// not: a CloudEvents type other than typ ("/type"), and a CloudEvents id,
// used when the body has no event_id, that breaks the id rules ("/id").
// A body with no id at all gets one from publish, so it is given one here.
func envelopeProblems(typ string, body []byte) []string {
	env, err := pipeline.ParseEnvelope(body)
	if err != nil || !env.CloudEvent {
		return nil // not an envelope: nothing of the kind to find
	}
	names := sources.DefaultNames()
	hdr := nats.Header{}
	if id, _ := env.BodyID(); id == "" {
		hdr.Set(jetstream.MsgIDHeader, generatedEventID(typ))
	}
	_, err = pipeline.Decode(bodyMsg{subject: names.EventSubject(typ), data: body, hdr: hdr}, names)
	if err == nil || pipeline.ClassOf(err) != pipeline.ClassValidation {
		return nil // undecodable: the schema check says why
	}
	switch {
	case env.EventID == "" && env.ID != "" && ids.Check(env.ID) != nil:
		return []string{"/id: " + err.Error()}
	case env.EventID != "" && ids.Check(env.EventID) != nil:
		return nil // the event's own check names /data/event_id
	}
	return []string{"/type: " + err.Error()}
}
