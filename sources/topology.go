package sources

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/caps"
)

// TopologyOptions tune the streams, consumer and buckets EnsureTopology
// creates.
type TopologyOptions struct {
	Replicas      int           // stream and bucket replicas (1 single node, 3 in a cluster)
	Duplicates    time.Duration // duplicate window of the events and results streams
	EventsMaxAge  time.Duration // how long events are kept (0: forever)
	ResultsMaxAge time.Duration // how long results are kept
	DLQMaxAge     time.Duration // how long dead letters are kept (0: forever)
	AckWait       time.Duration // redelivery after this without an ack or progress
	MaxDeliver    int           // deliveries before the runner dead-letters a message (the consumer itself redelivers without limit)
	MaxAckPending int           // messages in flight across all replicas
}

// DefaultTopologyOptions are the defaults of the contract.
func DefaultTopologyOptions() TopologyOptions {
	return TopologyOptions{
		Replicas:      1,
		Duplicates:    2 * time.Minute,
		ResultsMaxAge: 30 * 24 * time.Hour,
		AckWait:       30 * time.Second,
		MaxDeliver:    10,
		MaxAckPending: 256,
	}
}

// Topology holds the resources campaignflow works with.
type Topology struct {
	Names    Names
	Events   jetstream.Stream
	Results  jetstream.Stream
	DLQ      jetstream.Stream
	Consumer jetstream.Consumer
	Ledger   jetstream.KeyValue
	Jobs     jetstream.KeyValue
	Leases   jetstream.KeyValue
	Caps     jetstream.KeyValue
}

// IncompatibleError says an existing resource differs from what
// campaignflow needs in ways it will not change by itself.
type IncompatibleError struct {
	Kind, Name  string
	Differences []string
	Fix         string
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("sources: existing %s %q is incompatible: %s; %s", e.Kind, e.Name, strings.Join(e.Differences, "; "), e.Fix)
}

// EnsureTopology creates what is missing, updates tunable settings, and
// refuses, with an *IncompatibleError, resources that differ in kind.
func EnsureTopology(ctx context.Context, js jetstream.JetStream, names Names, opts TopologyOptions) (*Topology, error) {
	t := &Topology{Names: names}
	var err error
	if t.Events, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: names.EventsStream, Subjects: []string{names.EventsFilter()}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Duplicates: opts.Duplicates, MaxAge: opts.EventsMaxAge, Replicas: opts.Replicas,
	}, "names.events_stream"); err != nil {
		return nil, err
	}
	if t.Results, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: names.ResultsStream, Subjects: []string{names.ResultsFilter()}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Duplicates: opts.Duplicates, MaxAge: opts.ResultsMaxAge, Replicas: opts.Replicas,
	}, "names.results_stream"); err != nil {
		return nil, err
	}
	if t.DLQ, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: names.DLQStream, Subjects: []string{names.DLQFilter()}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Duplicates: opts.Duplicates, MaxAge: opts.DLQMaxAge, Replicas: opts.Replicas,
	}, "names.dlq_stream"); err != nil {
		return nil, err
	}
	if t.Consumer, err = ensureConsumer(ctx, js, names, opts); err != nil {
		return nil, err
	}
	for _, b := range []struct {
		kv     *jetstream.KeyValue
		name   string
		desc   string
		marker time.Duration // per-key TTLs (tick claims expire)
	}{
		{&t.Ledger, names.LedgerBucket, "campaignflow idempotency ledger", 0},
		{&t.Jobs, names.JobsBucket, "campaignflow persisted schedules and result polls", 0},
		{&t.Leases, names.LeasesBucket, "campaignflow scheduler leader lease and tick claims", time.Minute},
		{&t.Caps, names.CapsBucket, "campaignflow frequency-cap counters", caps.MarkerTTL},
	} {
		if *b.kv, err = ensureBucket(ctx, js, jetstream.KeyValueConfig{Bucket: b.name, Description: b.desc,
			Storage: jetstream.FileStorage, Replicas: opts.Replicas, History: 1, LimitMarkerTTL: b.marker}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig, key string) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("sources: creating stream %s: %w", want.Name, err)
		}
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sources: looking up stream %s: %w", want.Name, err)
	}
	have := s.CachedInfo().Config
	var diffs []string
	if !slices.Equal(sorted(have.Subjects), sorted(want.Subjects)) {
		diffs = append(diffs, fmt.Sprintf("subjects are %v, want %v", have.Subjects, want.Subjects))
	}
	if have.Storage != want.Storage {
		diffs = append(diffs, fmt.Sprintf("storage is %s, want %s", have.Storage, want.Storage))
	}
	if have.Retention != want.Retention {
		diffs = append(diffs, fmt.Sprintf("retention is %s, want %s", have.Retention, want.Retention))
	}
	if len(diffs) > 0 {
		return nil, &IncompatibleError{Kind: "stream", Name: want.Name, Differences: diffs,
			Fix: fmt.Sprintf("remove it (`nats stream rm %s`) or give campaignflow another name with %s", want.Name, key)}
	}
	if have.Duplicates != want.Duplicates || have.MaxAge != want.MaxAge || have.Replicas != want.Replicas {
		upd := have
		upd.Duplicates, upd.MaxAge, upd.Replicas = want.Duplicates, want.MaxAge, want.Replicas
		if s, err = js.UpdateStream(ctx, upd); err != nil {
			return nil, fmt.Errorf("sources: updating stream %s: %w", want.Name, err)
		}
	}
	return s, nil
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func ensureConsumer(ctx context.Context, js jetstream.JetStream, names Names, opts TopologyOptions) (jetstream.Consumer, error) {
	want := jetstream.ConsumerConfig{
		Durable: names.EventsConsumer, Description: "campaignflow event workers",
		AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		// MaxDeliver -1: the runner, not the server, ends a message's
		// deliveries (with a dead letter), so a message whose dead letter
		// cannot be published yet is redelivered instead of dropped.
		FilterSubject: names.EventsFilter(), AckWait: opts.AckWait, MaxDeliver: -1,
		MaxAckPending: opts.MaxAckPending,
	}
	c, err := js.Consumer(ctx, names.EventsStream, names.EventsConsumer)
	if err == nil {
		have := c.CachedInfo().Config
		var diffs []string
		if have.AckPolicy != want.AckPolicy {
			diffs = append(diffs, fmt.Sprintf("ack policy is %s, want explicit", have.AckPolicy))
		}
		if have.FilterSubject != want.FilterSubject && !slices.Equal(have.FilterSubjects, []string{want.FilterSubject}) {
			diffs = append(diffs, fmt.Sprintf("filter subject is %q, want %q", have.FilterSubject, want.FilterSubject))
		}
		if have.DeliverPolicy != want.DeliverPolicy {
			diffs = append(diffs, fmt.Sprintf("deliver policy is %s, want all", have.DeliverPolicy))
		}
		if have.DeliverSubject != "" {
			diffs = append(diffs, "it is a push consumer, want pull")
		}
		if len(diffs) > 0 {
			return nil, &IncompatibleError{Kind: "consumer", Name: names.EventsConsumer, Differences: diffs,
				Fix: fmt.Sprintf("remove it (`nats consumer rm %s %s`) or set names.events_consumer", names.EventsStream, names.EventsConsumer)}
		}
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("sources: looking up consumer %s: %w", names.EventsConsumer, err)
	}
	c, err = js.CreateOrUpdateConsumer(ctx, names.EventsStream, want)
	if err != nil {
		return nil, fmt.Errorf("sources: creating consumer %s on %s: %w", names.EventsConsumer, names.EventsStream, err)
	}
	return c, nil
}

func ensureBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("sources: looking up KV bucket %s: %w", cfg.Bucket, err)
	}
	kv, err = js.CreateKeyValue(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sources: creating KV bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}
