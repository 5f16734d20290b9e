package chatinc_test

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// load keeps n goroutines calling Chat Inc until stopped, recording when
// each call succeeded and the client's limit right after.
type load struct {
	mu     sync.Mutex
	okAt   []time.Time
	limits []float64
	failed int
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startLoad(t *testing.T, c *chatinc.Client, n int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	for range n {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for ctx.Err() == nil {
				_, err := c.RetrieveAudiences(ctx)
				lim := c.Flow()[0].Limit
				l.mu.Lock()
				if err == nil {
					l.okAt = append(l.okAt, time.Now())
					l.limits = append(l.limits, lim)
				} else if ctx.Err() == nil {
					l.failed++
				}
				l.mu.Unlock()
			}
		}()
	}
	t.Cleanup(l.stop)
	return l
}

func (l *load) stop() { l.cancel(); l.wg.Wait() }

func (l *load) oks() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.okAt)
}

// window is the success rate (per second) and the median limit over the
// successes from index i on.
func (l *load) window(i int) (perSecond, medianLimit float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ok, lims := l.okAt[i:], append([]float64(nil), l.limits[i:]...)
	if len(ok) < 2 {
		return 0, 0
	}
	sort.Float64s(lims)
	return float64(len(ok)-1) / ok[len(ok)-1].Sub(ok[0]).Seconds(), lims[len(lims)/2]
}

// TestAdaptiveFlowFollowsTheSimLimit: against a sandbox throttling at 40
// calls/s, 8 goroutines settle with the client's limit around 40 (not far
// above it), most of the allowed rate used and few 429s; when the sandbox's
// limit is raised to 120 at run time, the client's limit rises past the
// old one.
func TestAdaptiveFlowFollowsTheSimLimit(t *testing.T) {
	const simLimit = 40
	sb, url := sandboxtest.Start(t, sandbox.Options{RateLimit: simLimit})
	c, err := chatinc.New(url, "k", chatinc.WithFlowControl(chatinc.FlowControl{Initial: 10, Recover: 2 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	l := startLoad(t, c, 8)

	// Slow start overshoots, is cut, and settles.
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		return sb.Throttled() > 0, "no 429 yet"
	})
	settledFrom := l.oks() + 2*simLimit // let the first cuts pass
	throttledAt := sb.Throttled()
	pipelinetest.Eventually(t, 60*time.Second, func() (bool, string) {
		return l.oks() >= settledFrom+6*simLimit, "waiting for 6 s worth of calls"
	})
	rate, median := l.window(settledFrom)
	calls := l.oks() - settledFrom
	throttled := sb.Throttled() - throttledAt
	t.Logf("settled: %.1f calls/s, median limit %.1f, %d of %d calls got 429", rate, median, throttled, calls+throttled)
	if median > 1.3*simLimit || median < 0.5*simLimit {
		t.Errorf("median limit %.1f calls/s, want it near the sim's %d", median, simLimit)
	}
	if rate < 0.6*simLimit {
		t.Errorf("%.1f calls/s succeeded, want at least 60%% of the sim's %d", rate, simLimit)
	}
	if share := float64(throttled) / float64(calls+throttled); share > 0.1 {
		t.Errorf("%.0f%% of calls got 429, want under 10%%", 100*share)
	}

	// The sandbox allows more: the limit rises past the old one.
	sb.SetRateLimit(3 * simLimit)
	raisedFrom := l.oks()
	pipelinetest.Eventually(t, 60*time.Second, func() (bool, string) {
		n := l.oks()
		if n < raisedFrom+100 {
			return false, "waiting for calls"
		}
		r, _ := l.window(n - 100)
		lim := c.Flow()[0].Limit
		return lim > 1.5*simLimit && r > 1.2*simLimit, "limit " + ftoa(lim) + ", rate " + ftoa(r)
	})
	l.stop()
	if l.failed > 0 {
		t.Errorf("%d calls failed; 429s must be retried within the budget", l.failed)
	}
}

func ftoa(f float64) string { return time.Duration(f * float64(time.Second)).String() }

// sendLog records when each request left the client and the 429s that came back.
type sendLog struct {
	rt   http.RoundTripper
	mu   sync.Mutex
	sent []time.Time
	got  []time.Time // when a 429 arrived
}

func (s *sendLog) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.sent = append(s.sent, time.Now())
	s.mu.Unlock()
	resp, err := s.rt.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		s.mu.Lock()
		s.got = append(s.got, time.Now())
		s.mu.Unlock()
	}
	return resp, err
}

// TestRetryAfterPausesEveryGoroutine: one 429 with Retry-After: 1 holds back
// the calls of all 8 goroutines for that second, then they go on.
func TestRetryAfterPausesEveryGoroutine(t *testing.T) {
	for _, mode := range []chatinc.FlowMode{chatinc.FlowAdaptive, chatinc.FlowFixed} {
		t.Run(string(mode), func(t *testing.T) {
			sb, url := sandboxtest.Start(t, sandbox.Options{})
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			log := &sendLog{rt: tr}
			c, err := chatinc.New(url, "k", chatinc.WithTransport(log),
				chatinc.WithFlowControl(chatinc.FlowControl{Mode: mode, Initial: 1000}))
			if err != nil {
				t.Fatal(err)
			}
			l := startLoad(t, c, 8)
			pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) { return l.oks() >= 200, "warming up" })
			sb.SetFaults([]sandbox.Fault{{Endpoint: "*", Kind: sandbox.Fault429, Rate: 1, Count: 1, RetryAfter: "1"}})
			var at time.Time
			pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
				log.mu.Lock()
				defer log.mu.Unlock()
				if len(log.got) == 0 {
					return false, "no 429 yet"
				}
				at = log.got[0]
				return len(log.sent) > 0 && log.sent[len(log.sent)-1].After(at.Add(time.Second)), "waiting for calls after the pause"
			})
			before := l.oks()
			pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) { return l.oks() >= before+100, "calls go on after the pause" })
			l.stop()
			log.mu.Lock()
			defer log.mu.Unlock()
			during := 0
			for _, s := range log.sent {
				// Margins: a call admitted just before the 429 arrived may
				// leave a little after it; the pause ends at 1s.
				if s.After(at.Add(100*time.Millisecond)) && s.Before(at.Add(900*time.Millisecond)) {
					during++
				}
			}
			if during > 0 {
				t.Errorf("%d requests left during the Retry-After pause of another goroutine's 429", during)
			}
			if l.failed > 0 {
				t.Errorf("%d calls failed", l.failed)
			}
		})
	}
}
