package chatinc_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// TestTransportClosesWithReset: a connection of the default transport is
// closed with a reset, not a FIN, so a request still in the kernel's send
// buffer when a call times out (Chat Inc unreachable) is dropped instead of
// reaching Chat Inc after the client gave up.
func TestTransportClosesWithReset(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := chatinc.NewTransport().DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = srv.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("peer read after close: %v, want a connection reset", err)
	}
}
