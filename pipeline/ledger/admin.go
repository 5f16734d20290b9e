package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Entry is one ledger key as an operator sees it (campaignflow ledger).
type Entry struct {
	Key      string    `json:"key"`
	Revision uint64    `json:"revision"`
	Updated  time.Time `json:"updated"`
	Record   Record    `json:"record"`
	// Invalid says why the value is not a Record (then Record is zero).
	Invalid string `json:"invalid,omitempty"`
}

// ErrNoEntry is returned by Show and Forget for a key that is not there.
var ErrNoEntry = errors.New("ledger: no such key")

// List returns the entries whose key starts with prefix ("" for all),
// sorted by key. A value that is not a record is listed with Invalid set.
func (l *Ledger) List(ctx context.Context, prefix string) ([]Entry, error) {
	lister, err := l.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger: list keys: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		e, err := l.Show(ctx, k)
		if errors.Is(err, ErrNoEntry) {
			continue // forgotten meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Show returns the entry under key.
func (l *Ledger) Show(ctx context.Context, key string) (Entry, error) {
	kve, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Entry{}, fmt.Errorf("%w: %q", ErrNoEntry, key)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("ledger: read %s: %w", key, err)
	}
	e := Entry{Key: key, Revision: kve.Revision(), Updated: kve.Created()}
	if err := json.Unmarshal(kve.Value(), &e.Record); err != nil {
		e.Record, e.Invalid = Record{}, err.Error()
	}
	return e, nil
}

// Forget removes key and its history, so that the next event for it starts
// afresh (a new campaign or run). Use it when the worker says the ledger
// and Chat Inc disagree, e.g. the campaign of a ledger entry is gone.
func (l *Ledger) Forget(ctx context.Context, key string) error {
	if _, err := l.Show(ctx, key); err != nil {
		return err
	}
	if err := l.kv.Purge(ctx, key); err != nil {
		return fmt.Errorf("ledger: forget %s: %w", key, err)
	}
	return nil
}
