package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// segmentStorm sends n concurrent segment events of 3 contacts each to one
// audience and returns the add-contacts calls the sandbox saw.
func segmentStorm(tb testing.TB, e *env, n int) int {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &events.SegmentUpdated{Audience: events.Audience{ID: "storm", Name: "storm"},
				VariableGroup: &events.VariableGroupRef{ID: "customers", Name: "customers", Fields: []string{"first_name"}}}
			for j := range 3 {
				ev.Contacts = append(ev.Contacts, events.Contact{Number: fmt.Sprintf("+2782%03d%04d", i, j),
					Attributes: map[string]string{"first_name": fmt.Sprintf("n%d-%d", i, j)}})
			}
			errs <- e.h.Segment.Handle(context.Background(), fmt.Sprintf("storm-%d", i), ev)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	if got, _ := e.sb.Audience("storm"); len(got) != 3*n {
		tb.Fatalf("audience has %d contacts, want %d", len(got), 3*n)
	}
	if _, values, _ := e.sb.VariableGroup("customers"); len(values) != 3*n {
		tb.Fatalf("group has %d numbers, want %d", len(values), 3*n)
	}
	return e.sb.State().Requests[sandbox.PathCreateAudience]
}

// TestConcurrentSegmentEventsAllLand: 40 concurrent events for one
// audience all land, with group commit in fewer calls than events (at most
// one per event), and without it one call each.
func TestConcurrentSegmentEventsAllLand(t *testing.T) {
	coalesced := segmentStorm(t, newEnv(t, sandbox.Options{}, WithCoalesce(true)), 40)
	alone := segmentStorm(t, newEnv(t, sandbox.Options{}, WithCoalesce(false)), 40)
	t.Logf("40 concurrent segment events: %d add-contacts calls coalesced, %d without", coalesced, alone)
	if alone != 40 || coalesced > 40 || coalesced < 1 {
		t.Fatalf("calls: %d coalesced (want 1..40), %d alone (want 40)", coalesced, alone)
	}
}

// blockingFlush records calls; each call waits until released.
type blockingFlush struct {
	mu      sync.Mutex
	calls   [][]string
	release chan struct{}
	refuse  string
}

func (f *blockingFlush) flush(_ context.Context, _ string, items []string) error {
	f.mu.Lock()
	f.calls = append(f.calls, append([]string(nil), items...))
	f.mu.Unlock()
	<-f.release
	if slices.Contains(items, f.refuse) {
		return errRefused
	}
	return nil
}

func (f *blockingFlush) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

var errRefused = errors.New("chatinc: 400 Bad Request: contact refused")

func (c *coalescer[M, T]) waiting(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, b := range c.busy[key] {
		n += b.callers
	}
	return n
}

// addAll adds each item from its own goroutine and collects the errors.
func addAll(c *coalescer[string, string], key string, items ...string) (wait func() map[string]error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	out := map[string]error{}
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.add(context.Background(), key, "meta", []string{item})
			mu.Lock()
			out[item] = err
			mu.Unlock()
		}()
	}
	return func() map[string]error { wg.Wait(); return out }
}

// TestGroupCommit: the first event for a key goes out at once and alone;
// the events arriving while it is in flight share the next call, which
// goes out as soon as the first ends; another key is not held up.
func TestGroupCommit(t *testing.T) {
	f := &blockingFlush{release: make(chan struct{})}
	c := newCoalescer(true, 100, time.Minute, f.flush)
	first := addAll(c, "aud", "first")
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) { return f.count() == 1, fmt.Sprintf("%d calls", f.count()) }) // out at once, no timer
	rest := addAll(c, "aud", "a", "b", "c", "d")
	other := addAll(c, "other", "x")
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		return c.waiting("aud") == 4 && f.count() == 2, fmt.Sprintf("%d waiting, %d calls", c.waiting("aud"), f.count())
	}) // "other" went out at once too
	close(f.release)
	for item, err := range first() {
		if err != nil {
			t.Fatalf("%s: %v", item, err)
		}
	}
	for item, err := range rest() {
		if err != nil {
			t.Fatalf("%s: %v", item, err)
		}
	}
	other()
	if len(f.calls) != 3 {
		t.Fatalf("calls %v: want [first], [x], then the four waiting ones together", f.calls)
	}
	got := f.calls[2]
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("second call for aud %v, want a b c d", got)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.busy) != 0 {
		t.Fatalf("keys still busy after all calls ended: %v", c.busy)
	}
}

// TestGroupCommitSplitsAtTheBatchSize: waiting items beyond one call's
// size go in the call after.
func TestGroupCommitSplitsAtTheBatchSize(t *testing.T) {
	f := &blockingFlush{release: make(chan struct{})}
	c := newCoalescer(true, 2, time.Minute, f.flush)
	first := addAll(c, "aud", "first")
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) { return f.count() == 1, fmt.Sprintf("%d calls", f.count()) })
	rest := addAll(c, "aud", "a", "b", "c")
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) { return c.waiting("aud") == 3, fmt.Sprintf("%d waiting", c.waiting("aud")) })
	close(f.release)
	first()
	rest()
	if len(f.calls) != 3 || len(f.calls[1]) != 2 || len(f.calls[2]) != 1 {
		t.Fatalf("calls %v: want [first], two items, one item", f.calls)
	}
}

// TestCoalescedRefusalFallsBackPerEvent: when Chat Inc refuses a merged
// call, each caller retries its own items alone, so one event's bad data
// does not fail the events it was merged with.
func TestCoalescedRefusalFallsBackPerEvent(t *testing.T) {
	f := &blockingFlush{release: make(chan struct{}), refuse: "bad"}
	c := newCoalescer(true, 100, time.Minute, f.flush)
	first := addAll(c, "aud", "first")
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) { return f.count() == 1, fmt.Sprintf("%d calls", f.count()) })
	rest := addAll(c, "aud", "good-1", "bad", "good-2")
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) { return c.waiting("aud") == 3, fmt.Sprintf("%d waiting", c.waiting("aud")) })
	close(f.release)
	first()
	results := rest()
	if results["good-1"] != nil || results["good-2"] != nil || !errors.Is(results["bad"], errRefused) {
		t.Fatalf("results %v: good events must succeed alone, the bad one fail", results)
	}
	if len(f.calls) != 5 || len(f.calls[1]) != 3 {
		t.Fatalf("calls %v: want [first], the merged call, then one per event", f.calls)
	}
}

func BenchmarkSegmentEvents(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("coalesce=%v", on), func(b *testing.B) {
			for b.Loop() {
				e := newEnv(b, sandbox.Options{}, WithCoalesce(on))
				calls := segmentStorm(b, e, 200)
				b.ReportMetric(float64(calls), "calls/200events")
			}
		})
	}
}

// TestUniqueContacts: each number once, the first kept, in order; a list
// without repeats is sent as it is (no copy), short or long.
func TestUniqueContacts(t *testing.T) {
	contacts := func(numbers ...string) []chatinc.Contact {
		cs := make([]chatinc.Contact, len(numbers))
		for i, n := range numbers {
			cs[i].Number = n
		}
		return cs
	}
	for _, n := range []int{0, 1, smallDedupe, smallDedupe + 1, 100} {
		var numbers []string
		for i := range n {
			numbers = append(numbers, fmt.Sprint("+2782", i))
		}
		in := contacts(numbers...)
		if got := uniqueContacts(in); len(got) != n || n > 0 && &got[0] != &in[0] {
			t.Errorf("%d distinct numbers: got %d, a copy: %v", n, len(got), n > 0 && &got[0] != &in[0])
		}
		if n < 2 {
			continue
		}
		repeated := contacts(append(append([]string{numbers[1]}, numbers...), numbers[0])...)
		want := contacts(append([]string{numbers[1], numbers[0]}, numbers[2:]...)...)
		if got := uniqueContacts(repeated); !slices.Equal(got, want) {
			t.Errorf("%d numbers with repeats: got %v, want %v", n, got, want)
		}
	}
}
