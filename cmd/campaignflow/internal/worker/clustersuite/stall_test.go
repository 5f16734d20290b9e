//go:build clustersuite

package clustersuite

import (
	"sync"
	"time"
)

// stallWatch notices when the test process itself stood still (its timer
// fired late by more than a limit): on a shared machine a memory or disk
// stall can freeze every process for seconds (seen once: 12 s, with the
// kernel's memory pressure showing a "full" stall, all nodes and workers
// silent), which to the cron is every replica down at once. Ticks missed
// during such a stall are reported apart, not counted against a fault.
type stallWatch struct {
	mu     sync.Mutex
	stalls []stall
	stop   chan struct{}
	done   chan struct{}
}

type stall struct{ from, to time.Time }

const (
	stallTick  = 250 * time.Millisecond
	stallLimit = 2 * time.Second // a timer this late: the process stood still
)

func watchStalls() *stallWatch {
	w := &stallWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(stallTick)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
			now := time.Now()
			if now.Sub(last) > stallLimit {
				w.mu.Lock()
				w.stalls = append(w.stalls, stall{from: last, to: now})
				w.mu.Unlock()
			}
			last = now
		}
	}()
	return w
}

// close stops the watch and returns the stalls seen.
func (w *stallWatch) close() []stall {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stalls
}

// during says whether a tick at fell in a stall (or the second around it).
func during(stalls []stall, at time.Time) bool {
	for _, st := range stalls {
		if !at.Before(st.from.Add(-time.Second)) && !at.After(st.to.Add(time.Second)) {
			return true
		}
	}
	return false
}
