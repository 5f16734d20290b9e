package scheduler

import (
	"context"
	"testing"
	"time"
)

// TestElectorWhenRunFailsEarly: Run fails before electing anything (no jobs
// bucket). An elector handed in with WithElector is still there; without one,
// Elector returns nil at once instead of blocking, so callers must check.
func TestElectorWhenRunFailsEarly(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url) // no buckets: Run fails at once
	ctx := context.Background()
	given := NewElector(nil, "r1", time.Second, nil, nil)
	s, err := New(js, DefaultBuckets, PromoRunnerFunc(nil), WithElector(given))
	if err != nil {
		t.Fatal(err)
	}
	if s.Elector() != given {
		t.Fatal("Elector() before Run is not the elector given")
	}
	if err := s.Run(ctx); err == nil {
		t.Fatal("Run without buckets succeeded")
	}
	if s.Elector() != given || s.Elector().Leading(ctx) {
		t.Fatalf("after a failed Run: elector %p (given %p), leading %v", s.Elector(), given, s.Elector().Leading(ctx))
	}

	own, err := New(js, DefaultBuckets, PromoRunnerFunc(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := own.Run(ctx); err == nil {
		t.Fatal("Run without buckets succeeded")
	}
	if e := own.Elector(); e != nil {
		t.Fatalf("Elector() after Run failed before building one = %v, want nil", e)
	}
}
