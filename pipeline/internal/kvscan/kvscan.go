// Package kvscan reads a NATS KV bucket's current values in one pass: one
// watcher over the keys, latest values only, deletes ignored, instead of
// listing the keys and then a Get per key. The ledger's repair scan and the
// results poller read their records with it.
package kvscan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrClosed is returned when the watcher stopped before it had read every
// key.
var ErrClosed = errors.New("kvscan: the watcher closed before it read every key")

// Each calls f with the latest entry of every key matching filters, in one
// pass bounded by timeout. f runs while the watcher is open: it should only
// collect what it needs.
func Each(ctx context.Context, kv jetstream.KeyValue, filters []string, timeout time.Duration, f func(jetstream.KeyValueEntry)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// WatchFiltered may rewrite the slice it is given.
	w, err := kv.WatchFiltered(ctx, append([]string(nil), filters...), jetstream.IgnoreDeletes())
	if err != nil {
		return err
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return ErrClosed
			}
			if e == nil {
				return nil // every current key was read
			}
			f(e)
		case <-ctx.Done():
			return fmt.Errorf("kvscan: %w", ctx.Err())
		}
	}
}
