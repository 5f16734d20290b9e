package beat

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRenewsUntilStopped: renew runs again and again, each call bounded by
// the interval; stop ends it and waits.
func TestRenewsUntilStopped(t *testing.T) {
	calls := make(chan time.Duration, 100)
	stop := Start(context.Background(), 5*time.Millisecond, func(ctx context.Context) error {
		dl, _ := ctx.Deadline()
		calls <- time.Until(dl)
		return nil
	}, func(error) bool { t.Error("failed called without an error"); return true })
	for range 3 {
		if left := <-calls; left <= 0 || left > 5*time.Millisecond {
			t.Errorf("a renewal had %s left, want within the interval", left)
		}
	}
	stop()
	n := len(calls)
	select {
	case <-calls:
		if len(calls) > n {
			t.Fatal("renewed after stop returned")
		}
	default:
	}
}

// TestStopsWhenTheHoldIsLost: a failure that failed answers false with ends
// the renewals; one it answers true with does not.
func TestStopsWhenTheHoldIsLost(t *testing.T) {
	lost, transient := errors.New("lost"), errors.New("transient")
	seen := make(chan error, 10)
	n := 0
	stop := Start(context.Background(), time.Millisecond, func(context.Context) error {
		n++
		if n == 1 {
			return transient
		}
		return lost
	}, func(err error) bool { seen <- err; return !errors.Is(err, lost) })
	if first, second := <-seen, <-seen; first != transient || second != lost {
		t.Fatalf("failures %v, %v; want transient then lost", first, second)
	}
	stop()
	if len(seen) != 0 || n != 2 {
		t.Fatalf("%d renewals, %d more failures after the hold was lost; want it to stop", n, len(seen))
	}
}
