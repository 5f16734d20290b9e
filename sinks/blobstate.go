package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// errLostOutput says another writer changed the output's state: this one
// no longer holds it (the lease moved) and must stop writing.
var errLostOutput = errors.New("sinks: another writer took over the output")

// blobState is the value of an output's state key (sink.<output> in the
// leases bucket): the committed stream sequence and, between a commit's
// first step and its last, what that commit writes. Every change is a
// compare-and-set on the key's revision, which fences a writer that lost
// its lease.
type blobState struct {
	Committed uint64      `json:"committed"` // every sequence up to here is in committed objects (or terminated)
	Pending   *blobIntent `json:"pending,omitempty"`
	Writer    string      `json:"writer,omitempty"`
	Output    string      `json:"output,omitempty"` // the URL, redacted
}

// blobIntent is a commit under way: the sequence range and its objects. A
// writer that finds one (the previous writer crashed) writes the same range
// again, so the same object names are replaced rather than new ones added;
// Orphans are objects of abandoned intents, deleted before the commit.
type blobIntent struct {
	First   uint64   `json:"first"`
	Last    uint64   `json:"last"`
	Objects []string `json:"objects"`
	Orphans []string `json:"orphans,omitempty"`
}

// ObjectCommit is the commit record of one object, stored beside the data
// under _commits/<object>.json before the state key says committed.
type ObjectCommit struct {
	Object   string `json:"object"`
	Table    string `json:"table"`
	Day      string `json:"dt"`
	Format   string `json:"format"`
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256"`
	Writer   string `json:"writer"`
}

// commitRecordPrefix is where the per-object commit records live.
const commitRecordPrefix = "_commits/"

func commitRecordKey(object string) string { return commitRecordPrefix + object + ".json" }

// stateKey is the output's key in the leases bucket.
func stateKey(output string) string { return "sink." + output }

const kvTimeout = 10 * time.Second

// loadState reads the output's state and its revision (0: none yet).
func loadState(ctx context.Context, kv jetstream.KeyValue, key string) (blobState, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return blobState{}, 0, nil
	}
	if err != nil {
		return blobState{}, 0, fmt.Errorf("sinks: reading the sink's committed sequence (%s in KV bucket %s): %w", key, kv.Bucket(), err)
	}
	var st blobState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return blobState{}, 0, fmt.Errorf("sinks: the sink's state %s in KV bucket %s is damaged (delete it to start over from the consumer's ack floor): %w", key, kv.Bucket(), err)
	}
	return st, e.Revision(), nil
}

// storeState writes st over revision rev (0: the key must not exist),
// returning the new revision, or errLostOutput when someone else wrote.
func storeState(ctx context.Context, kv jetstream.KeyValue, key string, st blobState, rev uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	b, _ := json.Marshal(st)
	var err error
	var n uint64
	if rev == 0 {
		n, err = kv.Create(ctx, key, b)
	} else {
		n, err = kv.Update(ctx, key, b, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || isWrongLastSequence(err) {
		return 0, errLostOutput
	}
	if err != nil {
		return 0, fmt.Errorf("sinks: storing the sink's state %s in KV bucket %s: %w", key, kv.Bucket(), err)
	}
	return n, nil
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
