package sources

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure the in-process nats-server.
type EmbeddedOptions struct {
	StoreDir string // JetStream store (default ./data)
	Host     string // default 127.0.0.1
	Port     int    // default 4222; -1 picks a free port
	Logger   *slog.Logger
}

// Embedded is a nats-server running inside campaignflow.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a nats-server with JetStream, for running without
// infrastructure. natscli and other clients can connect to its URL.
func StartEmbedded(opts EmbeddedOptions) (*Embedded, error) {
	if opts.StoreDir == "" {
		opts.StoreDir = "./data"
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Port == 0 {
		opts.Port = 4222
	}
	if opts.Port > 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
		if err != nil {
			return nil, fmt.Errorf("sources: embedded nats-server cannot listen on %s:%d: %w; another nats-server may be running there: use it with --nats-url nats://%s:%d, move the embedded one with --nats-listen HOST:PORT (nats.listen), or stop it", opts.Host, opts.Port, err, opts.Host, opts.Port)
		}
		_ = ln.Close()
	}
	s, err := server.NewServer(&server.Options{
		ServerName: "campaignflow-embedded", Host: opts.Host, Port: opts.Port,
		JetStream: true, StoreDir: opts.StoreDir, NoSigs: true, NoLog: true,
		SyncInterval: 0,
	})
	if err != nil {
		return nil, fmt.Errorf("sources: embedded nats-server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("sources: embedded nats-server did not become ready within 15s (store %s)", opts.StoreDir)
	}
	return &Embedded{srv: s}, nil
}

// URL is the client URL, e.g. nats://127.0.0.1:4222.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Shutdown stops the server, waiting until ctx ends at most.
func (e *Embedded) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() { e.srv.Shutdown(); e.srv.WaitForShutdown(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sources: embedded nats-server shutdown: %w", ctx.Err())
	}
}
