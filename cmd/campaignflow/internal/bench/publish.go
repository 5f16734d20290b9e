package bench

import (
	"context"
	"fmt"
)

// PublishTarget is issue 5's target for result snapshots.
const PublishTarget = 100_000 // msg/s

// PublishOptions configure Publish.
type PublishOptions struct {
	Messages int    // result messages published by each side (default 100,000)
	Dir      string // nats-server store (default: a temporary directory)
}

// Publish runs PublishBoth on an embedded nats-server: raw nats.go
// PublishAsync to the results stream, then sinks.Publisher (snapshot JSON,
// ids, bounded pending) the same number of times.
func Publish(ctx context.Context, o PublishOptions) (Result, error) {
	if o.Messages <= 0 {
		o.Messages = 100_000
	}
	bus, err := StartBus(ctx, o.Dir)
	if err != nil {
		return Result{}, err
	}
	defer bus.Close()
	mem := StartMemorySampler(0)
	raw, ours, err := PublishBoth(ctx, bus.JS, o.Messages)
	peaks := mem.Stop()
	if err != nil {
		return Result{}, fmt.Errorf("bench: publish: %w", err)
	}
	info, err := bus.Topology.Results.Info(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("bench: results stream info: %w", err)
	}
	if info.State.Msgs != uint64(2*o.Messages) {
		return Result{}, fmt.Errorf("bench: the results stream holds %d messages after %d publishes", info.State.Msgs, 2*o.Messages)
	}
	res := Result{Name: "publish results", Unit: "msg/s", Count: o.Messages,
		Anchor:  Figure{Label: "raw nats.go js.PublishAsync, fixed payload, Nats-Msg-Id", Rate: raw},
		Project: Figure{Label: "sinks.Publisher.PublishSnapshot (JSON, ids, bounded pending)", Rate: ours},
		Target:  fmt.Sprintf("project >= %s msg/s", human(PublishTarget)),
		Metrics: peaks.Metrics(),
		Notes:   []string{"bench.PublishBoth (shared with BenchmarkPublishAsync); embedded nats-server, file storage; the stream is checked to hold every message"},
	}
	res.Pass = ours >= PublishTarget
	return res, nil
}
