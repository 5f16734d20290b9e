package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// coalescer merges the items of concurrent callers for the same key (an
// audience or variable group id) into one Chat Inc call. Each caller waits
// for the call that carries its items and gets that call's error, so an
// event is acked only after its own contacts are in Chat Inc. Merges are
// idempotent by number, so a caller that gives up (its context ends) and is
// redelivered only repeats a merge.
type coalescer[M, T any] struct {
	window time.Duration // how long a batch waits for company
	max    int           // items that flush a batch at once
	flush  func(ctx context.Context, meta M, items []T) error
	// timeout bounds a flush, which runs on no caller's context.
	timeout time.Duration

	mu      sync.Mutex
	pending map[string]*batch[M, T]
}

type batch[M, T any] struct {
	meta    M
	items   []T
	ctx     context.Context // the first caller's, uncancelled: its trace and values carry the call
	done    chan struct{}
	err     error
	callers int
	once    sync.Once
	timer   *time.Timer
}

func newCoalescer[M, T any](window time.Duration, maxItems int, timeout time.Duration, flush func(context.Context, M, []T) error) *coalescer[M, T] {
	return &coalescer[M, T]{window: window, max: maxItems, flush: flush, timeout: timeout, pending: map[string]*batch[M, T]{}}
}

// add queues items under key (meta of the first caller wins) and waits for
// the call that carries them.
func (c *coalescer[M, T]) add(ctx context.Context, key string, meta M, items []T) error {
	if c.window <= 0 || len(items) >= c.max {
		return c.flush(ctx, meta, items)
	}
	c.mu.Lock()
	b := c.pending[key]
	if b != nil && len(b.items)+len(items) > c.max {
		delete(c.pending, key)
		go c.run(b)
		b = nil
	}
	if b == nil {
		b = &batch[M, T]{meta: meta, ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		c.pending[key] = b
		b.timer = time.AfterFunc(c.window, func() {
			c.mu.Lock()
			if c.pending[key] == b {
				delete(c.pending, key)
			}
			c.mu.Unlock()
			c.run(b)
		})
	}
	b.items = append(b.items, items...)
	b.callers++
	if len(b.items) >= c.max {
		delete(c.pending, key)
		go c.run(b)
	}
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

// run makes the batch's call once.
func (c *coalescer[M, T]) run(b *batch[M, T]) {
	b.once.Do(func() {
		b.timer.Stop()
		ctx, cancel := context.WithTimeout(b.ctx, c.timeout)
		defer cancel()
		b.err = c.flush(ctx, b.meta, b.items)
		close(b.done)
	})
}

// groupKey keys variable-group batches by id and field set: events that
// name other fields for the same group are separate calls.
func groupKey(g chatinc.VariableGroup) string { return g.ID + "\x00" + strings.Join(g.Fields, "\x00") }

// flushAudience adds the merged contacts (each number once) in one call.
func (h *Handlers) flushAudience(ctx context.Context, a chatinc.Audience, contacts []chatinc.Contact) error {
	seen := make(map[string]bool, len(contacts))
	a.Contacts = make([]chatinc.Contact, 0, len(contacts))
	for _, c := range contacts {
		if !seen[c.Number] {
			seen[c.Number] = true
			a.Contacts = append(a.Contacts, c)
		}
	}
	_, err := h.client.CreateAudience(ctx, a)
	return err
}

// flushGroup upserts the merged values (the last value of a number wins).
func (h *Handlers) flushGroup(ctx context.Context, g chatinc.VariableGroup, values []chatinc.VariableValues) error {
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
