package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a sandbox served on a TCP address.
type Running struct {
	*Server
	// URL is the base URL to give a client, e.g. http://127.0.0.1:8089.
	URL  string
	http *http.Server
	done chan error
	// stopSaving ends saveEverySecond, which closes saved when it is done.
	stopSaving, saved chan struct{}
	closeOnce         sync.Once
}

// saveEverySecond saves the state (when it changed) once a second until
// Close, then once more.
func (r *Running) saveEverySecond() {
	defer close(r.saved)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-r.stopSaving:
			if err := r.SaveState(); err != nil {
				r.opts.Logger.Error("sandbox: saving state on close", "err", err)
			}
			return
		}
		if err := r.SaveState(); err != nil {
			r.opts.Logger.Warn("sandbox: saving state", "err", err)
		}
	}
}

// Start serves a new sandbox on addr (HOST:PORT; port 0 picks a free port).
func Start(addr string, opts Options) (*Running, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w (is another sandbox or program using the port?)", addr, err)
	}
	s := New(opts)
	if opts.StateFile != "" {
		s.mu.Lock()
		err := s.loadStateLocked(opts.StateFile)
		s.mu.Unlock()
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	r := &Running{Server: s, URL: "http://" + ln.Addr().String(), http: hs, done: make(chan error, 1),
		stopSaving: make(chan struct{}), saved: make(chan struct{})}
	if opts.StateFile != "" {
		go r.saveEverySecond()
	} else {
		close(r.saved)
	}
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
	serr := <-r.done
	r.closeOnce.Do(func() { close(r.stopSaving) })
	<-r.saved
	if serr != nil {
		return serr
	}
	return err
}
