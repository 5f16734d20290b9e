package sandbox

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Fault kinds.
const (
	Fault429     = "429"
	Fault500     = "500"
	Fault502     = "502"
	Fault503     = "503"
	FaultLatency = "latency"
	// FaultDrop applies the request's effect, then closes the connection
	// without a response: the client cannot know whether it worked.
	FaultDrop = "drop"
)

// Fault is one injected failure: on requests to Endpoint ("*" for all API
// endpoints), with probability Rate, at most Count times (0 = no limit).
type Fault struct {
	Endpoint   string        `json:"endpoint"`
	Kind       string        `json:"kind"`
	Rate       float64       `json:"rate"`
	Count      int           `json:"count,omitempty"`
	RetryAfter string        `json:"retryAfter,omitempty"` // 429: seconds or an HTTP-date
	Latency    time.Duration `json:"latency,omitempty"`    // latency: added delay (real time)
}

type faultState struct {
	Fault
	used int
}

var faultRE = regexp.MustCompile(`^([^=]+)=([a-z]+|[0-9]{3})(?:@([0-9.]+))?(?:x([0-9]+))?(?::(.+))?$`)

// ParseFaults parses the --faults syntax: comma-separated
// ENDPOINT=KIND[@RATE][xCOUNT][:ARG], where ENDPOINT is an API path or "*",
// KIND is 429, 500, 502, 503, latency or drop, RATE is a probability
// (default 1), COUNT caps how often it fires (default unlimited), and ARG is
// the Retry-After value for 429 (seconds or an HTTP-date) or the added
// delay for latency (a Go duration). Examples:
//
//	/v1/run/campaign=drop@1x1
//	*=429@0.2:1
//	/v1/create/audience=latency@1:200ms,/v1/retrieve/campaigns=503x2
func ParseFaults(spec string) ([]Fault, error) {
	var out []Fault
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := faultRE.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("sandbox: fault %d %q: want ENDPOINT=KIND[@RATE][xCOUNT][:ARG], e.g. /v1/run/campaign=drop@1x1", i+1, part)
		}
		f := Fault{Endpoint: m[1], Kind: m[2], Rate: 1}
		if m[3] != "" {
			r, err := strconv.ParseFloat(m[3], 64)
			if err != nil || r < 0 || r > 1 {
				return nil, fmt.Errorf("sandbox: fault %d %q: rate %q must be a number between 0 and 1", i+1, part, m[3])
			}
			f.Rate = r
		}
		if m[4] != "" {
			f.Count, _ = strconv.Atoi(m[4])
		}
		switch f.Kind {
		case Fault429:
			f.RetryAfter = m[5]
		case FaultLatency:
			d, err := time.ParseDuration(m[5])
			if err != nil {
				return nil, fmt.Errorf("sandbox: fault %d %q: latency needs a duration argument like :200ms", i+1, part)
			}
			f.Latency = d
		case Fault500, Fault502, Fault503, FaultDrop:
			if m[5] != "" {
				return nil, fmt.Errorf("sandbox: fault %d %q: kind %s takes no argument", i+1, part, f.Kind)
			}
		default:
			return nil, fmt.Errorf("sandbox: fault %d %q: unknown kind %q (want 429, 500, 502, 503, latency or drop)", i+1, part, f.Kind)
		}
		if f.Endpoint != "*" && !strings.HasPrefix(f.Endpoint, "/") {
			return nil, fmt.Errorf("sandbox: fault %d %q: endpoint must be an API path like /v1/run/campaign, or *", i+1, part)
		}
		out = append(out, f)
	}
	return out, nil
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(faults []Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(faults)
}

func (s *Server) setFaultsLocked(faults []Fault) {
	s.faults = s.faults[:0]
	for _, f := range faults {
		if f.Rate == 0 {
			f.Rate = 1
		}
		s.faults = append(s.faults, &faultState{Fault: f})
	}
}

// drawFault picks the first fault that matches path and fires this time.
func (s *Server) drawFault(path string) *faultState {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Endpoint != "*" && f.Endpoint != path {
			continue
		}
		if f.Count > 0 && f.used >= f.Count {
			continue
		}
		if f.Rate < 1 && s.rng.Float64() >= f.Rate {
			continue
		}
		f.used++
		return f
	}
	return nil
}

// before applies the fault ahead of the handler; false means the response
// has been written and the handler must not run.
func (f *faultState) before(w http.ResponseWriter, r *http.Request) bool {
	switch f.Kind {
	case FaultLatency:
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
		return true
	case Fault429:
		ra := f.RetryAfter
		if ra == "" {
			ra = "1"
		}
		w.Header().Set("Retry-After", ra)
		writeError(w, &apiError{http.StatusTooManyRequests, CodeRateLimited, "rate limit exceeded; retry after " + ra})
		return false
	case Fault500, Fault502, Fault503:
		code, _ := strconv.Atoi(f.Kind)
		writeError(w, &apiError{code, CodeInternal, "injected server error " + f.Kind})
		return false
	}
	return true
}

// serveThenDrop runs the handler (so its effect happens), discards the
// response and closes the connection.
func (s *Server) serveThenDrop(w http.ResponseWriter, r *http.Request, h apiHandler) {
	rec := &discardWriter{header: http.Header{}}
	if err := h(rec, r); err != nil {
		writeError(rec, err)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeError(w, &apiError{http.StatusInternalServerError, CodeInternal, "drop fault: connection cannot be hijacked"})
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

type discardWriter struct {
	header http.Header
	buf    bytes.Buffer
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return d.buf.Write(b) }
func (d *discardWriter) WriteHeader(int)             {}
