package handlers

import (
	"context"
	"io"

	"github.com/campaignflow/campaignflow/pipeline/events"
)

// Opener opens an audience file's source and enforces the location policy
// (allowed directories, HTTPS allow-list, object store buckets).
// sources.OpenLocation fits through an adapter.
type Opener interface {
	Open(ctx context.Context, src events.Source) (io.ReadCloser, error)
}

// openerFunc adapts a function to Opener.
type openerFunc func(ctx context.Context, src events.Source) (io.ReadCloser, error)

// Open calls f.
func (f openerFunc) Open(ctx context.Context, src events.Source) (io.ReadCloser, error) {
	return f(ctx, src)
}
