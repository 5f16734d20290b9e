// Package sandbox is a strict, stateful simulator of the Chat Inc broadcast
// API. It holds audiences, variable groups, campaigns (created as WhatsApp
// templates that are approved after a delay) and runs, and simulates
// per-contact delivery (sent, delivered, read, errors, numbers not on
// WhatsApp) over simulated time, deterministically from a seed.
//
// It accepts what the vendor page's own examples send (flat templateType,
// GET or POST to retrieve campaigns) and rejects what the page's rules forbid
// (a phone or url button mixed with an input or journey button, unknown
// {group.field} placeholders, invalid JSON) with 400 responses that name the
// rule. It enforces limits (5 MiB JSON bodies, 1000 contacts per request,
// 100 MiB CSV uploads) and injects faults on request (see ParseFaults).
//
// Admin endpoints under /_sim/ are outside the Chat Inc API:
//
//	POST   /_sim/reset            forget all state
//	POST   /_sim/advance          {"seconds": N} moves the simulated clock
//	GET    /_sim/state            JSON dump, with request counts per path
//	POST   /_sim/faults           replace the fault list (JSON array of Fault)
//	DELETE /_sim/faults           clear the fault list
//	POST   /_sim/rate-limit       {"per_second": N} sets the rate limit (0: none)
//	GET    /_sim/rate-limit       the rate limit, the calls it refused and let through
//
// Nothing it does reaches a real phone.
package sandbox

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Limits the sandbox enforces, documented-looking and strict.
const (
	MaxJSONBody           = 5 << 20   // bytes of a JSON request body
	MaxCSVUpload          = 100 << 20 // bytes of a multipart CSV upload
	DefaultMaxPerRequest  = 1000      // contacts or variable values per request
	DefaultApproveAfter   = 2 * time.Second
	maxRejectedRowsListed = 1000
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// APIKey, when set, is the only Authorization value accepted. When empty
	// any non-empty Authorization header is accepted.
	APIKey string
	// ApproveAfter is the simulated time until a new campaign's WhatsApp
	// template turns APPROVED (0: the 2s default; ApproveAtOnce: at once).
	ApproveAfter time.Duration
	// TimeScale is simulated seconds per real second (default 1).
	TimeScale float64
	// Seed chooses the delivery outcomes and fault draws deterministically.
	Seed int64
	// Faults to inject from the start (see ParseFaults).
	Faults []Fault
	// Clock is the real clock the simulated one runs on (default: the real
	// one); tests inject a fake one.
	Clock clockwork.Clock
	// Logger gets one debug line per request (default: discard).
	Logger *slog.Logger
	// MaxContactsPerRequest caps contacts or values per request (default 1000).
	MaxContactsPerRequest int
	// MaxUploadBytes caps a multipart CSV upload (default MaxCSVUpload);
	// a larger upload is refused with 413.
	MaxUploadBytes int64
	// RateLimit caps API calls per second over all endpoints, a token bucket
	// with a burst of one second's worth; calls above it get 429 with a
	// Retry-After (0: no limit). SetRateLimit changes it at run time.
	RateLimit float64
	// StateFile, when set, keeps the state across restarts: Start loads it
	// (a missing file is a fresh start) and the running sandbox saves it
	// within a second of a change and when it closes. Ids mix in a counter
	// of starts, so a restarted sandbox never reuses one.
	StateFile string
}

// ApproveAtOnce as Options.ApproveAfter approves every new campaign's
// template at once (0 means the 2s default).
const ApproveAtOnce time.Duration = -1

// Server is the sandbox: an http.Handler safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu        sync.Mutex
	realStart time.Time
	simStart  time.Time
	advanced  time.Duration
	rng       *rand.Rand
	faults    []*faultState
	requests  map[string]int
	seq       uint64
	throttle  throttle
	epoch     uint64 // the start time, or starts on the state file (persist.go)
	dirty     bool   // changed since the last save
	state
}

// state is everything Reset forgets.
type state struct {
	audiences map[string]*audience
	audOrder  []string
	groups    map[string]*varGroup
	grpOrder  []string
	campaigns map[string]*campaign
	cmpOrder  []string
}

func newState() state {
	return state{
		audiences: map[string]*audience{},
		groups:    map[string]*varGroup{},
		campaigns: map[string]*campaign{},
	}
}

// New returns a sandbox server with the given options.
func New(opts Options) *Server {
	if opts.ApproveAfter == 0 {
		opts.ApproveAfter = DefaultApproveAfter
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxContactsPerRequest <= 0 {
		opts.MaxContactsPerRequest = DefaultMaxPerRequest
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = MaxCSVUpload
	}
	now := opts.Clock.Now()
	s := &Server{
		opts:      opts,
		realStart: now,
		simStart:  now,
		rng:       rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		requests:  map[string]int{},
		state:     newState(),
		// Without a state file ids mix in the start time, so a restarted
		// sandbox does not hand out the ids of the last one (a worker's
		// ledger may still name them); a state file counts starts instead
		// (persist.go), and a fake clock keeps tests' ids repeatable.
		epoch: uint64(now.UnixNano()),
	}
	s.setFaultsLocked(opts.Faults)
	s.throttle.set(max(opts.RateLimit, 0), now)
	s.mux = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Reset forgets all audiences, variable groups, campaigns and request counts.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = newState()
	s.requests = map[string]int{}
	s.dirty = true
}

// RequestCount is how many requests for path reached the sandbox, including
// those answered by an injected fault.
func (s *Server) RequestCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *Server) countRequest(path string) {
	s.mu.Lock()
	s.requests[path]++
	s.mu.Unlock()
}
