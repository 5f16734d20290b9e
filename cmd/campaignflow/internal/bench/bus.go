package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// Bus is an embedded nats-server with JetStream and the campaignflow
// topology (sources.EnsureTopology with the contract's defaults), connected.
type Bus struct {
	Names    sources.Names
	Topology *sources.Topology
	JS       jetstream.JetStream
	Conn     *nats.Conn

	emb   *sources.Embedded
	dir   string
	ownDr bool
	seq   int // consumers created, for unique names
}

// StartBus starts the server storing under dir (a new temporary directory
// when dir is empty; it is removed by Close).
func StartBus(ctx context.Context, dir string) (*Bus, error) {
	b := &Bus{Names: sources.DefaultNames(), dir: dir}
	if dir == "" {
		d, err := os.MkdirTemp("", "campaignflow-bench-")
		if err != nil {
			return nil, fmt.Errorf("bench: temporary store for nats-server: %w", err)
		}
		b.dir, b.ownDr = d, true
	}
	emb, err := sources.StartEmbedded(sources.EmbeddedOptions{StoreDir: b.dir, Port: -1})
	if err != nil {
		b.removeDir()
		return nil, err
	}
	b.emb = emb
	if b.Conn, err = nats.Connect(emb.URL(), nats.Name("campaignflow bench")); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("bench: connecting to the embedded nats-server: %w", err)
	}
	if b.JS, err = jetstream.New(b.Conn, jetstream.WithPublishAsyncMaxPending(4096)); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("bench: jetstream: %w", err)
	}
	if b.Topology, err = sources.EnsureTopology(ctx, b.JS, b.Names, sources.DefaultTopologyOptions()); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// Close disconnects, stops the server and removes a temporary store.
func (b *Bus) Close() error {
	if b.Conn != nil {
		b.Conn.Close()
	}
	var err error
	if b.emb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = b.emb.Shutdown(ctx)
		cancel()
	}
	b.removeDir()
	return err
}

func (b *Bus) removeDir() {
	if b.ownDr {
		_ = os.RemoveAll(b.dir)
	}
}

// PromoBody is a small send-promo event like the contract's example.
func PromoBody(i int) []byte {
	return fmt.Appendf(nil, `{"event_id":"bench-%d","promo_id":"bench","title":"Bench promo","message":"Hi {customers.first_name}, 30%% off for {customers.tier} members today.","audiences":["vip-shoppers"],"language_code":"enUS"}`, i)
}

// FillEvents publishes n send-promo events (each with a Nats-Msg-Id) to
// the events stream with async publishing, and returns when the stream
// holds them.
func (b *Bus) FillEvents(ctx context.Context, n int) error {
	before, err := b.eventCount(ctx)
	if err != nil {
		return err
	}
	subject := b.Names.EventSubject("send-promo")
	for i := range n {
		id := fmt.Sprintf("bench-%d-%d", before, i)
		if _, err := b.JS.PublishAsync(subject, PromoBody(int(before)+i), jetstream.WithMsgID(id)); err != nil {
			return fmt.Errorf("bench: publishing event %d of %d: %w", i, n, err)
		}
	}
	select {
	case <-b.JS.PublishAsyncComplete():
	case <-ctx.Done():
		return fmt.Errorf("bench: waiting for %d publish acks: %w", b.JS.PublishAsyncPending(), ctx.Err())
	}
	after, err := b.eventCount(ctx)
	if err != nil {
		return err
	}
	if after-before != uint64(n) {
		return fmt.Errorf("bench: the events stream took %d of %d events", after-before, n)
	}
	return nil
}

func (b *Bus) eventCount(ctx context.Context) (uint64, error) {
	info, err := b.Topology.Events.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("bench: events stream info: %w", err)
	}
	return info.State.Msgs, nil
}

// newConsumer creates a fresh durable pull consumer over the whole events
// stream with the worker's consumer settings (explicit ack, AckWait,
// MaxDeliver, MaxAckPending), so every call consumes every stored event.
func (b *Bus) newConsumer(ctx context.Context, prefix string) (jetstream.Consumer, error) {
	b.seq++
	cfg := b.Topology.Consumer.CachedInfo().Config
	cfg.Durable = fmt.Sprintf("%s-%d", prefix, b.seq)
	cfg.Name = ""
	cfg.Description = "campaignflow bench"
	c, err := b.JS.CreateOrUpdateConsumer(ctx, b.Names.EventsStream, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: creating consumer %s: %w", cfg.Durable, err)
	}
	return c, nil
}

// waitAcked polls the consumer until the server has every one of n
// messages acknowledged (ack floor at n, nothing pending) and returns the
// consumer's final state.
func waitAcked(ctx context.Context, c jetstream.Consumer, n int) (*jetstream.ConsumerInfo, error) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		info, err := c.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("bench: consumer info: %w", err)
		}
		if info.AckFloor.Consumer >= uint64(n) && info.NumAckPending == 0 {
			return info, nil
		}
		select {
		case <-ctx.Done():
			return info, fmt.Errorf("bench: consumer %s: %d of %d acked when the time ran out: %w", info.Name, info.AckFloor.Consumer, n, ctx.Err())
		case <-t.C:
		}
	}
}

var errNotAllAcked = errors.New("bench: not every message was acknowledged exactly once")
