package handlers

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// coalescer merges the items of concurrent callers for the same key (an
// audience or variable group id) into Chat Inc calls by group commit: when
// no call for the key is in flight, a caller's call goes out at once, on its
// own goroutine; callers that arrive while one is in flight join the next
// call, which goes out when the one in flight ends. No caller waits on a
// clock. Each caller waits for the call that carries its items and gets
// that call's error, so an event is acked only after its own contacts are
// in Chat Inc. Merges are idempotent by number, so a caller that gives up
// (its context ends) and is redelivered only repeats a merge.
type coalescer[M, T any] struct {
	on    bool
	max   int // items in one call
	flush func(ctx context.Context, meta M, items []T) error
	// timeout bounds a merged call, which runs on no caller's context.
	timeout time.Duration

	mu   sync.Mutex
	busy map[string][]*batch[M, T] // keys with a call in flight -> the calls waiting for it
}

type batch[M, T any] struct {
	meta    M
	items   []T
	ctx     context.Context // the first caller's, uncancelled: its trace and values carry the call
	done    chan struct{}
	err     error
	callers int
}

func newCoalescer[M, T any](on bool, maxItems int, timeout time.Duration, flush func(context.Context, M, []T) error) *coalescer[M, T] {
	return &coalescer[M, T]{on: on, max: maxItems, flush: flush, timeout: timeout, busy: map[string][]*batch[M, T]{}}
}

// add sends items under key at once when no call for key is in flight, or
// else with the next call (meta of its first caller wins), and waits for the
// call that carries them.
func (c *coalescer[M, T]) add(ctx context.Context, key string, meta M, items []T) error {
	if !c.on || len(items) >= c.max {
		return c.flush(ctx, meta, items)
	}
	c.mu.Lock()
	queue, busy := c.busy[key]
	if !busy {
		c.busy[key] = nil
		c.mu.Unlock()
		defer c.next(key)
		return c.flush(ctx, meta, items)
	}
	var b *batch[M, T]
	if n := len(queue); n > 0 && len(queue[n-1].items)+len(items) <= c.max {
		b = queue[n-1]
	} else {
		b = &batch[M, T]{meta: meta, ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		c.busy[key] = append(queue, b)
	}
	b.items = append(b.items, items...)
	b.callers++
	c.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if b.err != nil && b.callers > 1 && !chatinc.IsTransient(b.err) {
		// A refusal of the merged call may be another event's fault: each
		// caller tries its own items alone, so good events go on.
		return c.flush(ctx, meta, items)
	}
	return b.err
}

// next starts the call waiting for key's call that just ended, or frees key.
func (c *coalescer[M, T]) next(key string) {
	c.mu.Lock()
	queue := c.busy[key]
	if len(queue) == 0 {
		delete(c.busy, key)
		c.mu.Unlock()
		return
	}
	b := queue[0]
	c.busy[key] = queue[1:]
	c.mu.Unlock()
	go func() {
		defer c.next(key)
		c.run(b)
	}()
}

// run makes the batch's call (no more callers can join it).
func (c *coalescer[M, T]) run(b *batch[M, T]) {
	defer close(b.done)
	ctx, cancel := context.WithTimeout(b.ctx, c.timeout)
	defer cancel()
	b.err = c.flush(ctx, b.meta, b.items)
}

// groupKey keys variable-group batches by id and field set: events that
// name other fields for the same group are separate calls.
func groupKey(g chatinc.VariableGroup) string { return g.ID + "\x00" + strings.Join(g.Fields, "\x00") }

// flushAudience adds the merged contacts (each number once) in one call;
// contacts is only copied when a number repeats.
func (h *SegmentHandler) flushAudience(ctx context.Context, a chatinc.Audience, contacts []chatinc.Contact) error {
	a.Contacts = uniqueContacts(contacts)
	_, err := h.client.CreateAudience(ctx, a)
	return err
}

// uniqueContacts is contacts with each number once (the first), contacts
// itself when no number repeats.
func uniqueContacts(contacts []chatinc.Contact) []chatinc.Contact {
	var seen map[string]bool
	if len(contacts) > smallDedupe { // up to smallDedupe, a scan beats building a map
		seen = make(map[string]bool, len(contacts))
	}
	for i, c := range contacts {
		var repeat bool
		if seen == nil {
			repeat = slices.Contains(contacts[:i], c)
		} else {
			repeat, seen[c.Number] = seen[c.Number], true
		}
		if repeat {
			return dedupe(contacts)
		}
	}
	return contacts
}

func dedupe(contacts []chatinc.Contact) []chatinc.Contact {
	out := make([]chatinc.Contact, 0, len(contacts))
	seen := make(map[string]bool, len(contacts))
	for _, c := range contacts {
		if !seen[c.Number] {
			seen[c.Number] = true
			out = append(out, c)
		}
	}
	return out
}

// smallDedupe is up to how many contacts a call's numbers are made unique
// by a scan instead of a map.
const smallDedupe = 32

// flushGroup upserts the merged values (the last value of a number wins).
func (h *SegmentHandler) flushGroup(ctx context.Context, g chatinc.VariableGroup, values []chatinc.VariableValues) error {
	at := make(map[string]int, len(values))
	g.Values = make([]chatinc.VariableValues, 0, len(values))
	for _, v := range values {
		if i, ok := at[v.Number]; ok {
			g.Values[i] = v
			continue
		}
		at[v.Number] = len(g.Values)
		g.Values = append(g.Values, v)
	}
	_, err := h.client.CreateVariableGroup(ctx, g)
	return err
}
