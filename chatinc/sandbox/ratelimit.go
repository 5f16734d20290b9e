package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle is the sandbox's account-wide rate limit: a token bucket over
// every API endpoint, refilled at perSecond with a burst of one second's
// worth. A call above it is answered 429 with a Retry-After (whole seconds,
// at least 1) saying when a token is free again. perSecond 0 is no limit.
type throttle struct {
	mu        sync.Mutex
	perSecond float64
	lim       *rate.Limiter
	throttled int
	admitted  int
}

// set replaces the limit (0: none), starting with a full bucket.
func (t *throttle) set(perSecond float64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.perSecond = perSecond
	t.lim = nil
	if perSecond > 0 {
		burst := max(1, int(math.Ceil(perSecond)))
		t.lim = rate.NewLimiter(rate.Limit(perSecond), burst)
		t.lim.AllowN(now, 0) // anchor the bucket's clock (full) at now
	}
}

// admit takes a token at now, or says how long until one is free.
func (t *throttle) admit(now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lim == nil {
		t.admitted++
		return true, 0
	}
	r := t.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d == 0 {
		t.admitted++
		return true, 0
	}
	r.CancelAt(now)
	t.throttled++
	return false, d
}

func (t *throttle) limit() float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.perSecond
}

func (t *throttle) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.throttled
}

func (t *throttle) passed() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.admitted
}

// SetRateLimit changes the account-wide limit of API calls per second at run
// time (0: no limit), as POST /_sim/rate-limit does.
func (s *Server) SetRateLimit(perSecond float64) {
	s.throttle.set(max(perSecond, 0), s.opts.Clock.Now())
}

// RateLimit is the current limit of API calls per second (0: none).
func (s *Server) RateLimit() float64 { return s.throttle.limit() }

// Throttled counts the calls answered 429 by the rate limit (not by
// injected faults).
func (s *Server) Throttled() int { return s.throttle.count() }

// Admitted counts the API calls the rate limit let through (all of them
// when there is no limit).
func (s *Server) Admitted() int { return s.throttle.passed() }

// admitRate answers 429 when the rate limit has no token for this call.
func (s *Server) admitRate(w http.ResponseWriter) bool {
	ok, wait := s.throttle.admit(s.opts.Clock.Now())
	if ok {
		return true
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, &apiError{http.StatusTooManyRequests, CodeRateLimited,
		fmt.Sprintf("rate limit of %g calls per second exceeded; retry after %d s", s.throttle.limit(), secs)})
	return false
}
