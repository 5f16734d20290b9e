package handlers

import (
	"context"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sources"
)

// LocationOpener opens audience files with sources.OpenLocation under a
// policy (allowed directories, HTTPS hosts; object store via JS). A refused
// location is a validation error of the event.
type LocationOpener struct {
	JS     jetstream.JetStream
	Policy sources.LocationPolicy
}

// Open implements Opener.
func (o LocationOpener) Open(ctx context.Context, src events.Source) (io.ReadCloser, error) {
	loc := sources.Location{File: src.File, URL: src.URL}
	if src.ObjectStore != nil {
		loc.ObjectStore = &sources.ObjectStoreLocation{Bucket: src.ObjectStore.Bucket, Key: src.ObjectStore.Key}
	}
	rc, err := sources.OpenLocation(ctx, o.JS, loc, o.Policy)
	if err != nil {
		return nil, classify(err)
	}
	return rc, nil
}
