package natstest

import "go.uber.org/goleak"

// LeakOptions are the goleak options of every package whose tests start a
// nats-server, so they all forgive the same things: goroutines that belong
// to the server itself and may outlive Shutdown and WaitForShutdown for a
// moment (its internal goroutines, stream loops that end asynchronously,
// the process-wide access-time ticker of its file store), and nats.go's
// async-publish reply watcher, which can wait forever on a nil channel once
// its connection is closed. Goroutines of campaignflow's own are still
// reported. extra adds package-specific ones.
func LeakOptions(extra ...goleak.Option) []goleak.Option {
	return append([]goleak.Option{
		goleak.IgnoreAnyFunction("github.com/nats-io/nats-server/v2/server.(*Server).startGoRoutine.func1"),
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*stream).internalLoop"),
		goleak.IgnoreAnyFunction("github.com/nats-io/nats-server/v2/server.(*fileStore).flushStreamStateLoop"),
		goleak.IgnoreAnyFunction("github.com/nats-io/nats-server/v2/server/ats.Register.func1"),
		goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"),
	}, extra...)
}
