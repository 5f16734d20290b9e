// Package natstest starts an in-process nats-server with JetStream for tests.
package natstest

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// RunJetStream starts a nats-server with JetStream on a free loopback port,
// storing under tb.TempDir(); it is shut down when the test ends.
func RunJetStream(tb testing.TB) (*server.Server, string) {
	tb.Helper()
	return start(tb, -1, tb.TempDir())
}

func start(tb testing.TB, port int, dir string) (*server.Server, string) {
	tb.Helper()
	opts := &server.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true, ServerName: "natstest",
	}
	s, err := server.NewServer(opts)
	if err != nil {
		tb.Fatalf("natstest: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		tb.Fatal("natstest: nats-server not ready within 10s")
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s, s.ClientURL()
}

// Restart shuts s down and starts a new server on the same port and store,
// as a crash-and-restart of the broker would.
func Restart(tb testing.TB, s *server.Server) *server.Server {
	tb.Helper()
	return Down(tb, s)()
}

// parentOfJetStreamDir undoes the "jetstream" suffix the server appends.
func parentOfJetStreamDir(dir string) string {
	const suffix = "/jetstream"
	if len(dir) > len(suffix) && dir[len(dir)-len(suffix):] == suffix {
		return dir[:len(dir)-len(suffix)]
	}
	return dir
}

// Connect connects to url, closing the connection when the test ends.
func Connect(tb testing.TB, url string, opts ...nats.Option) *nats.Conn {
	tb.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		tb.Fatalf("natstest: connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	return nc
}

// JetStream connects to url (closed when the test ends) and returns its
// JetStream context.
func JetStream(tb testing.TB, url string, opts ...jetstream.JetStreamOpt) jetstream.JetStream {
	tb.Helper()
	js, err := jetstream.New(Connect(tb, url), opts...)
	if err != nil {
		tb.Fatalf("natstest: jetstream: %v", err)
	}
	return js
}

// Down shuts s down (as a crashed broker) and returns a function that starts
// it again on the same port and store.
func Down(tb testing.TB, s *server.Server) (restart func() *server.Server) {
	tb.Helper()
	dir := ""
	if cfg := s.JetStreamConfig(); cfg != nil {
		dir = cfg.StoreDir
	}
	_, portStr, _ := net.SplitHostPort(s.Addr().String())
	port, _ := strconv.Atoi(portStr)
	s.Shutdown()
	s.WaitForShutdown()
	return func() *server.Server {
		ns, _ := start(tb, port, parentOfJetStreamDir(dir))
		return ns
	}
}
