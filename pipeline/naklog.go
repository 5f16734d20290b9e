package pipeline

import (
	"sync"
	"time"
)

// nakLog decides which naks of an event are logged: the first one, then at
// most one per interval for the same message (stream sequence), so an event
// retried in a hot loop logs a line a minute, not one per attempt, while
// the suppressed count says how many were left out.
type nakLog struct {
	mu       sync.Mutex
	interval time.Duration
	seen     map[uint64]nakSeen
}

type nakSeen struct {
	last       time.Time
	suppressed int
}

// nakLogCap bounds the map: when it is full, entries older than the
// interval are dropped (and if none is, the whole map: at worst a few lines
// more).
const nakLogCap = 4096

// allow reports whether the nak of message seq at now is logged, and how
// many naks of it were suppressed since the last line.
func (l *nakLog) allow(seq uint64, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[uint64]nakSeen{}
	}
	s, ok := l.seen[seq]
	if ok && now.Sub(s.last) < l.interval {
		s.suppressed++
		l.seen[seq] = s
		return false, 0
	}
	if !ok && len(l.seen) >= nakLogCap {
		for k, v := range l.seen {
			if now.Sub(v.last) >= l.interval {
				delete(l.seen, k)
			}
		}
		if len(l.seen) >= nakLogCap {
			clear(l.seen)
		}
	}
	l.seen[seq] = nakSeen{last: now}
	return true, s.suppressed
}

// forget drops seq once its message is settled for good.
func (l *nakLog) forget(seq uint64) {
	l.mu.Lock()
	delete(l.seen, seq)
	l.mu.Unlock()
}
