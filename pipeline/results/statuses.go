package results

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// statuses maps a contact number to its last published status in one run.
//
// They are kept in a NATS Object Store object per run (named like the plan
// key) rather than a KV value: a run can reach 100k+ contacts (~3 MB as
// "number\tstatus" lines) while a KV value is capped by max_payload (1 MiB by
// default); the object store chunks it. The object is bounded by the run's
// contact count and deleted when the plan's last poll is done.
type statuses map[string]string

func (s statuses) encode() []byte {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(s[k])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func decodeStatuses(b []byte) (statuses, error) {
	s := statuses{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		num, status, ok := strings.Cut(sc.Text(), "\t")
		if !ok || num == "" {
			return nil, fmt.Errorf("results: contact statuses line %d: want number<TAB>status", line)
		}
		s[num] = status
	}
	return s, sc.Err()
}

// stateStore keeps statuses per run in an object store bucket.
type stateStore struct{ obs jetstream.ObjectStore }

func (st stateStore) load(ctx context.Context, name string) (statuses, error) {
	b, err := st.obs.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return statuses{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results: read contact statuses %s: %w", name, err)
	}
	return decodeStatuses(b)
}

func (st stateStore) save(ctx context.Context, name string, s statuses) error {
	if _, err := st.obs.PutBytes(ctx, name, s.encode()); err != nil {
		return fmt.Errorf("results: store contact statuses %s: %w", name, err)
	}
	return nil
}

func (st stateStore) remove(ctx context.Context, name string) error {
	err := st.obs.Delete(ctx, name)
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("results: delete contact statuses %s: %w", name, err)
	}
	return nil
}
