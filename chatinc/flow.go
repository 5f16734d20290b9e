package chatinc

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"
)

// FlowMode says how the client paces its calls.
type FlowMode string

// Flow modes.
const (
	// FlowAdaptive finds the rate Chat Inc accepts: it starts at
	// FlowControl.Initial calls per second, doubles while calls wait for
	// their turn and succeed with stable latency (every 50ms, or once per
	// round trip, at most every 10ms, once 4 calls have succeeded since the
	// last doubling), cuts the rate by
	// FlowControl.Backoff on a 429, 503 or timeout, and then grows back in a
	// cubic curve (as TCP CUBIC does): quickly up to the rate where it was
	// cut, slowly around it, faster again beyond it.
	FlowAdaptive FlowMode = "adaptive"
	// FlowFixed is a token bucket of FlowControl.Ceiling calls per second
	// with FlowControl.Burst (no limit when Ceiling is 0 or +Inf).
	FlowFixed FlowMode = "fixed"
)

// Endpoint classes, each with its own flow control: small JSON calls, and
// CSV uploads (the /from/file endpoints).
const (
	ClassCalls   = "calls"
	ClassUploads = "uploads"
)

// FlowControl configures the pacing of calls to Chat Inc. Both modes honour
// a 429's or 503's Retry-After for every goroutine: no call of that class is
// sent until it has passed.
type FlowControl struct {
	Mode FlowMode
	// Ceiling caps calls per second per class (0: no cap). In fixed mode it
	// is the rate.
	Ceiling float64
	// Burst is the fixed mode's bucket size (default: 2 s of Ceiling).
	Burst int
	// Initial is the adaptive mode's first rate (default 50 calls per second).
	Initial float64
	// Floor is the lowest adaptive rate (default 1 call per second).
	Floor float64
	// Backoff is the factor a cut multiplies the rate by (default 0.9).
	Backoff float64
	// Recover is how long after a cut the rate is back where it was cut
	// (default 10s); it grows faster than that beyond it.
	Recover time.Duration
}

// Adaptive defaults.
const (
	DefaultFlowInitial = 50
	DefaultFlowBackoff = 0.9
	DefaultFlowRecover = 10 * time.Second
	flowTick           = 50 * time.Millisecond
	flowSlowTickMin    = 10 * time.Millisecond  // slow start doubles at most this often (once per round trip)
	flowSlowMinOK      = 4                      // and only after this many successes since the last doubling
	flowRecheck        = 250 * time.Millisecond // a caller whose token is further away looks again after this
	flowMaxRate        = 1e7
	flowBuckets        = 60 // × flowTick: the 3s window success rates are measured over
)

func (fc FlowControl) withDefaults() FlowControl {
	if fc.Mode == "" {
		fc.Mode = FlowAdaptive
	}
	if fc.Ceiling <= 0 || math.IsInf(fc.Ceiling, 1) || fc.Ceiling > flowMaxRate {
		fc.Ceiling = 0
	}
	if fc.Burst <= 0 {
		fc.Burst = max(1, int(2*fc.Ceiling))
	}
	if fc.Initial <= 0 {
		fc.Initial = DefaultFlowInitial
	}
	if fc.Floor <= 0 {
		fc.Floor = 1
	}
	if fc.Backoff <= 0 || fc.Backoff >= 1 {
		fc.Backoff = DefaultFlowBackoff
	}
	if fc.Recover <= 0 {
		fc.Recover = DefaultFlowRecover
	}
	if fc.Ceiling > 0 {
		fc.Initial = min(fc.Initial, fc.Ceiling)
		fc.Floor = min(fc.Floor, fc.Ceiling)
	}
	return fc
}

// FlowState is one endpoint class's pacing now, for metrics.
type FlowState struct {
	Class string
	// Limit is the current rate in calls per second (0: no limit).
	Limit float64
	// InFlight is how many calls of the class are being sent or answered.
	InFlight int
	// Paused is true while a Retry-After holds the class back.
	Paused bool
}

// Flow reports the pacing of each endpoint class.
func (c *Client) Flow() []FlowState {
	return []FlowState{c.flows[0].state(), c.flows[1].state()}
}

func (c *Client) flowFor(endpoint string) *flow {
	if strings.HasSuffix(endpoint, "/from/file") {
		return c.flows[1]
	}
	return c.flows[0]
}

// flow paces one endpoint class.
type flow struct {
	class string
	fc    FlowControl
	clock clockwork.Clock

	mu          sync.Mutex
	lim         *rate.Limiter // nil: no limit
	rate        float64
	slowStart   bool
	wMax        float64   // the rate the last cut was made from
	epoch       time.Time // when growth after the last cut starts (its pause over)
	lastCut     time.Time
	pausedUntil time.Time
	tickAt      time.Time
	waited      bool // a call waited for a token since the last tick
	okTick      int  // successes since the last tick
	okSinceCut  int  // successes since the last cut
	inflight    int
	ok          [flowBuckets]int // successes per tick, a ring
	bad         [flowBuckets]int // congestion signals (429, 503, timeouts) per tick, the same ring
	okAt        time.Time        // start of the current bucket
	okIdx       int
	created     time.Time
	latEWMA     float64 // seconds
	latMin      float64
}

func newFlow(class string, fc FlowControl, clock clockwork.Clock) *flow {
	f := &flow{class: class, fc: fc, clock: clock}
	t := clock.Now()
	f.tickAt, f.okAt, f.created = t, t, t
	switch {
	case fc.Mode == FlowFixed && fc.Ceiling > 0:
		f.rate = fc.Ceiling
		f.lim = rate.NewLimiter(rate.Limit(fc.Ceiling), fc.Burst)
	case fc.Mode == FlowFixed:
	default:
		f.rate, f.slowStart = fc.Initial, true
		f.lim = rate.NewLimiter(rate.Limit(f.rate), burstFor(f.rate))
	}
	return f
}

// burstFor lets a tick's worth of calls go at once.
func burstFor(r float64) int { return max(1, int(r*flowTick.Seconds())) }

func (f *flow) adaptive() bool { return f.fc.Mode != FlowFixed }

func (f *flow) state() FlowState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return FlowState{Class: f.class, Limit: f.rate, InFlight: f.inflight, Paused: f.clock.Now().Before(f.pausedUntil)}
}

// ticket is one admitted try.
type ticket struct {
	f    *flow
	sent time.Time
}

// acquire waits for any Retry-After pause of the class that lasts beyond
// waitedUntil (the caller's own retry wait), then for a token. A token
// further away than flowRecheck is not reserved: the caller looks again
// after that, so a rate raised meanwhile (or a pause) applies to it soon.
func (f *flow) acquire(ctx context.Context, waitedUntil time.Time) (ticket, error) {
	for {
		if err := f.waitPause(ctx, waitedUntil); err != nil {
			return ticket{}, err
		}
		f.mu.Lock()
		now := f.clock.Now()
		f.tickLocked(now)
		var d time.Duration
		recheck := f.recheckLocked()
		if f.lim != nil {
			r := f.lim.ReserveN(now, 1)
			if d = r.DelayFrom(now); d > recheck {
				r.CancelAt(now)
			}
			if d > 0 {
				f.waited = true
			}
		}
		if d == 0 {
			f.inflight++
			f.mu.Unlock()
			return ticket{f: f, sent: now}, nil
		}
		f.mu.Unlock()
		if err := sleep(ctx, f.clock, min(d, recheck)); err != nil {
			return ticket{}, err
		}
		if d <= recheck { // the token is ours
			if err := f.waitPause(ctx, waitedUntil); err != nil { // a 429 came while we waited
				return ticket{}, err
			}
			f.mu.Lock()
			f.inflight++
			t := ticket{f: f, sent: f.clock.Now()}
			f.mu.Unlock()
			return t, nil
		}
	}
}

func (f *flow) waitPause(ctx context.Context, waitedUntil time.Time) error {
	f.mu.Lock()
	pause := f.pausedUntil.Sub(f.clock.Now())
	// The caller's own retry wait covers a pause that ends (within the jitter
	// of when each side read the clock) by the end of it.
	covered := !f.pausedUntil.After(waitedUntil.Add(flowTick))
	f.mu.Unlock()
	if pause > 0 && !covered {
		return sleep(ctx, f.clock, pause)
	}
	return nil
}

// release records a try's outcome: a success and its latency, or a
// congestion signal (429, 503, a timed-out try) that pauses the class for
// its Retry-After and, once per round, cuts the rate.
func (t ticket) release(ctx context.Context, err error) {
	f := t.f
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	now := f.clock.Now()
	f.rollLocked(now)
	if err == nil {
		f.ok[f.okIdx]++
		f.okTick++
		f.okSinceCut++
		lat := now.Sub(t.sent).Seconds()
		if f.latMin == 0 || lat < f.latMin {
			f.latMin = lat
		}
		if f.latEWMA == 0 {
			f.latEWMA = lat
		}
		f.latEWMA += 0.1 * (lat - f.latEWMA)
		return
	}
	congested, rateLimited, wait := congestion(ctx, err)
	if !congested {
		return
	}
	f.bad[f.okIdx]++
	if until := now.Add(wait); until.After(f.pausedUntil) {
		f.pausedUntil = until
	}
	// A 429 says the rate is too high; a 503 or a timeout among mostly
	// successful calls is Chat Inc's or the network's noise, which retries
	// absorb: cutting on each (5% of calls) drove the rate to the floor and
	// kept it there. They cut once they are a flowCutShare of the calls.
	if !rateLimited && f.badShareLocked() < flowCutShare {
		return
	}
	// Once per round; and not again until a call has succeeded: calls that
	// all fail are an outage (Chat Inc or the network to it down), not a
	// rate Chat Inc refuses, and cutting on every round of it would leave
	// the rate at the floor when it comes back (1 call/s after a 20 s cut).
	if f.adaptive() && t.sent.After(f.lastCut) && (f.lastCut.IsZero() || f.okSinceCut > 0) {
		f.cutLocked(now)
	}
}

// congestion says whether err means Chat Inc wants fewer calls (a 429,
// which says so outright, a 503 or a timed-out try), and how long it asked
// to be left alone.
func congestion(ctx context.Context, err error) (congested, rateLimited bool, wait time.Duration) {
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusTooManyRequests:
			return true, true, ae.RetryAfter
		case http.StatusServiceUnavailable:
			return true, false, ae.RetryAfter
		}
		return false, false, 0
	}
	return ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded), false, 0
}

// cutLocked lowers the rate to Backoff times what Chat Inc accepted over
// the last 3 seconds, pauses included (or times the current rate, if lower),
// but at most by half at once, and starts the cubic recovery from there.
// The first cut, which ends slow start, is to half the rate or what Chat
// Inc accepted so far, whichever is lower.
func (f *flow) cutLocked(now time.Time) {
	base := f.rate
	acc, ok := f.acceptedLocked(now)
	switch {
	case f.slowStart:
		// Leaving slow start, whose last doublings may have ridden Chat
		// Inc's burst: at most half the rate (as TCP), and no more than
		// what Chat Inc accepted so far.
		base = f.rate / 2
		if ok && acc > 0 { // nothing accepted: an outage, which says nothing of the rate
			base = min(base, max(acc, f.fc.Floor))
		}
	case ok && acc < base:
		base = max(acc, f.rate/2)
	}
	f.wMax = max(base, f.fc.Floor)
	f.rate = max(f.fc.Floor, base*f.fc.Backoff)
	f.slowStart = false
	f.lastCut, f.okSinceCut = now, 0
	f.epoch = maxTime(now, f.pausedUntil)
	f.applyLocked(now)
}

// flowCutShare is the share of the last 3 seconds' calls that must have
// failed with a 503 or a timeout before those cut the rate.
const flowCutShare = 0.1

// badShareLocked is the share of congestion signals among the outcomes of
// the last 3 seconds.
func (f *flow) badShareLocked() float64 {
	ok, bad := 0, 0
	for i := range flowBuckets {
		ok += f.ok[i]
		bad += f.bad[i]
	}
	if ok+bad == 0 {
		return 0
	}
	return float64(bad) / float64(ok+bad)
}

// acceptedLocked is the success rate over the last 3 seconds; ok is false in
// the client's first quarter second (in slow start: its first tick).
func (f *flow) acceptedLocked(now time.Time) (float64, bool) {
	span := min(now.Sub(f.created), flowBuckets*flowTick)
	if span < 250*time.Millisecond && !(f.slowStart && span >= flowTick) {
		return 0, false
	}
	n := 0
	for i := range flowBuckets {
		n += f.ok[i]
	}
	return float64(n) / span.Seconds(), true
}

// rollLocked moves the success ring to the bucket of now.
func (f *flow) rollLocked(now time.Time) {
	steps := int(now.Sub(f.okAt) / flowTick)
	if steps <= 0 {
		return
	}
	for i := 0; i < min(steps, flowBuckets); i++ {
		f.okIdx = (f.okIdx + 1) % flowBuckets
		f.ok[f.okIdx], f.bad[f.okIdx] = 0, 0
	}
	f.okAt = f.okAt.Add(time.Duration(steps) * flowTick)
}

// periodLocked is how often the rate may grow: every flowTick, and in slow
// start once per round trip (the recent latency, at least
// flowSlowTickMin), so that a fast Chat Inc is reached in a few round trips
// (doubling every 50ms took 400ms from 50 to 12,800 calls/s) and a distant
// one still answers a doubling before the next.
func (f *flow) periodLocked() time.Duration {
	if !f.slowStart || f.latEWMA == 0 {
		return flowTick
	}
	rtt := time.Duration(f.latEWMA * float64(time.Second))
	return min(max(rtt, flowSlowTickMin), flowTick)
}

// recheckLocked is how far ahead a caller reserves a token: in slow start
// no further than the rate may double, so a caller does not sleep through
// several doublings at the old rate.
func (f *flow) recheckLocked() time.Duration {
	if f.slowStart {
		return f.periodLocked()
	}
	return flowRecheck
}

// dueLocked says whether a tick is due: every flowTick, and in slow start
// after a round trip with at least flowSlowMinOK successes in it (fewer say
// too little about the rate Chat Inc accepts).
func (f *flow) dueLocked(now time.Time) bool {
	elapsed := now.Sub(f.tickAt)
	if elapsed >= flowTick {
		return true
	}
	return f.slowStart && f.okTick >= flowSlowMinOK && elapsed >= f.periodLocked()
}

// tickLocked grows the rate every period in which calls waited for it, no
// pause holds the class back and latency is stable.
func (f *flow) tickLocked(now time.Time) {
	if !f.dueLocked(now) {
		return
	}
	f.tickAt = now
	waited := f.waited
	f.waited, f.okTick = false, 0
	if !f.adaptive() || now.Before(f.pausedUntil) || !waited || !f.latencyStableLocked() {
		return
	}
	if f.slowStart {
		f.rate *= 2
	} else {
		k := f.fc.Recover.Seconds()
		c := (1 - f.fc.Backoff) / (k * k * k)
		x := now.Sub(f.epoch).Seconds() - k
		if target := f.wMax * (1 + c*x*x*x); target > f.rate {
			f.rate = target
		}
	}
	f.applyLocked(now)
}

// latencyStableLocked: the recent latency is within twice the lowest seen
// plus 50ms (loopback jitter and a busy CPU stay within it; a queue at Chat
// Inc does not).
func (f *flow) latencyStableLocked() bool {
	return f.latEWMA == 0 || f.latEWMA <= 2*f.latMin+0.05
}

func (f *flow) applyLocked(now time.Time) {
	if f.fc.Ceiling > 0 {
		f.rate = min(f.rate, f.fc.Ceiling)
	}
	f.rate = min(f.rate, flowMaxRate)
	f.lim.SetLimitAt(now, rate.Limit(f.rate))
	f.lim.SetBurstAt(now, burstFor(f.rate))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
