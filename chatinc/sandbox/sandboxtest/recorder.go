package sandboxtest

import (
	"net/http"
	"slices"
	"sync"
)

// Recorder is an http.RoundTripper that records "METHOD /path" of each
// request it passes on to Next (the real transport), so a test can assert
// which Chat Inc endpoints a client called.
type Recorder struct {
	Next  http.RoundTripper
	mu    sync.Mutex
	calls []string
}

// RoundTrip records req and sends it through Next.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.calls = append(r.calls, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
	return r.Next.RoundTrip(req)
}

// Seen is every request recorded so far, in order.
func (r *Recorder) Seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}
