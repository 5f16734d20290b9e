package worker_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, natstest.LeakOptions(
		// a connection's read loop may still be unwinding when the test ends
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		// nats.go's async-publish reply watcher waits forever once the
		// server has closed the connection for good (the closed-connection
		// test); the process exits in that case anyway.
		goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"),
	)...)
}
