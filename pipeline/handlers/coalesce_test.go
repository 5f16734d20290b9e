package handlers

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
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
			errs <- e.h.Segment(context.Background(), fmt.Sprintf("storm-%d", i), ev)
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

func TestConcurrentSegmentEventsShareOneCall(t *testing.T) {
	coalesced := segmentStorm(t, newEnv(t, sandbox.Options{}, WithCoalesce(50*time.Millisecond)), 40)
	alone := segmentStorm(t, newEnv(t, sandbox.Options{}, WithCoalesce(0)), 40)
	t.Logf("40 concurrent segment events: %d add-contacts calls coalesced, %d without", coalesced, alone)
	if alone != 40 || coalesced > 4 {
		t.Fatalf("calls: %d coalesced (want a few), %d alone (want 40)", coalesced, alone)
	}
}

// TestCoalescedRefusalFallsBackPerEvent: when Chat Inc refuses a merged
// call, each caller retries its own items alone, so one event's bad data
// does not fail the events it was merged with.
func TestCoalescedRefusalFallsBackPerEvent(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string
	refuse := errors.New("chatinc: 400 Bad Request: contact \"bad\" refused")
	c := newCoalescer(time.Second, 100, time.Minute, func(_ context.Context, _ string, items []string) error {
		mu.Lock()
		calls = append(calls, items)
		mu.Unlock()
		if slices.Contains(items, "bad") {
			return refuse
		}
		return nil
	})
	var wg sync.WaitGroup
	results := map[string]error{}
	var rmu sync.Mutex
	for _, item := range []string{"good-1", "bad", "good-2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.add(context.Background(), "aud", "meta", []string{item})
			rmu.Lock()
			results[item] = err
			rmu.Unlock()
		}()
	}
	// all three are queued before the window ends; end it now
	eventuallyTrue(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.pending["aud"] != nil && c.pending["aud"].callers == 3
	})
	c.mu.Lock()
	b := c.pending["aud"]
	delete(c.pending, "aud")
	c.mu.Unlock()
	c.run(b)
	wg.Wait()
	if results["good-1"] != nil || results["good-2"] != nil || !errors.Is(results["bad"], refuse) {
		t.Fatalf("results %v: good events must succeed alone, the bad one fail", results)
	}
	if len(calls) != 4 || len(calls[0]) != 3 {
		t.Fatalf("calls %v: want the merged call, then one per event", calls)
	}
}

func eventuallyTrue(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		runtime.Gosched()
	}
}

func BenchmarkSegmentEvents(b *testing.B) {
	for _, window := range []time.Duration{0, DefaultCoalesceWindow} {
		b.Run(fmt.Sprintf("coalesce=%s", window), func(b *testing.B) {
			for b.Loop() {
				e := newEnv(b, sandbox.Options{}, WithCoalesce(window))
				calls := segmentStorm(b, e, 200)
				b.ReportMetric(float64(calls), "calls/200events")
			}
		})
	}
}
