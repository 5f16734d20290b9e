package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
)

// httpListening, when set (by tests), is told the address the HTTP server
// bound, so --http-addr 127.0.0.1:0 can be used.
var httpListening func(addr string)

// startHTTP serves /healthz, /readyz and (metrics not nil) /metrics on cfg.HTTPAddr.
func startHTTP(ctx context.Context, cfg *config.Config, w *worker.Worker, metrics http.Handler, log *slog.Logger) (func(), error) {
	if cfg.HTTPAddr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) {
		if err := w.Healthy(); err != nil {
			rw.WriteHeader(http.StatusServiceUnavailable)
			_, _ = rw.Write([]byte("unhealthy: " + err.Error() + "\n"))
			return
		}
		_, _ = rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, r *http.Request) {
		cctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		err := w.Ready(cctx)
		if err == nil {
			err = w.ChatIncReachable(cctx)
		}
		if err != nil {
			rw.WriteHeader(http.StatusServiceUnavailable)
			_, _ = rw.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		_, _ = rw.Write([]byte("ready\n"))
	})
	paths := "/healthz /readyz"
	if metrics != nil {
		mux.Handle("/metrics", metrics)
		paths += " /metrics"
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("health endpoints: %w (another campaignflow run may be serving there); pick another address with --http-addr, or turn them off with --http-addr ''", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	log.Info("health endpoints", "addr", ln.Addr().String(), "paths", paths)
	if httpListening != nil {
		httpListening(ln.Addr().String())
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
