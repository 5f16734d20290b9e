package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Running is a sandbox served on a TCP address.
type Running struct {
	*Server
	// URL is the base URL to give a client, e.g. http://127.0.0.1:8089.
	URL  string
	http *http.Server
	done chan error
}

// Start serves a new sandbox on addr (HOST:PORT; port 0 picks a free port).
func Start(addr string, opts Options) (*Running, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w (is another sandbox or program using the port?)", addr, err)
	}
	s := New(opts)
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	r := &Running{Server: s, URL: "http://" + ln.Addr().String(), http: hs, done: make(chan error, 1)}
	go func() {
		err := hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		r.done <- err
	}()
	return r, nil
}

// Close stops serving, waiting for in-flight requests until ctx ends.
func (r *Running) Close(ctx context.Context) error {
	err := r.http.Shutdown(ctx)
	if err != nil {
		_ = r.http.Close()
	}
	if serr := <-r.done; serr != nil {
		return serr
	}
	return err
}
