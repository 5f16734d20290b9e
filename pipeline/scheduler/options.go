package scheduler

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nuid"
)

// Option configures a Scheduler.
type Option func(*options)

type options struct {
	log       *slog.Logger
	clock     clockwork.Clock
	replica   string
	ttl       time.Duration
	jobs      []ConfigJob
	observer  func(Outcome)
	campaigns CampaignRunner
	claimTTL  time.Duration
	elector   *Elector
	// followerGrace: how long a follower leaves a tick to the leader.
	followerGrace time.Duration
	// tickHold: how long a tick claim lives past its holder's last renewal.
	tickHold time.Duration
	// retryWindow: a failed tick is retried for at least this long.
	retryWindow time.Duration
}

func defaultOptions() options {
	host, _ := os.Hostname()
	return options{
		log:           slog.New(slog.DiscardHandler),
		clock:         clockwork.NewRealClock(),
		replica:       fmt.Sprintf("%s-%d-%s", host, os.Getpid(), nuid.Next()[:6]),
		ttl:           DefaultLeaseTTL,
		claimTTL:      DefaultClaimTTL,
		followerGrace: DefaultFollowerGrace,
		tickHold:      DefaultTickHold,
		retryWindow:   DefaultTickRetryWindow,
	}
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock sets the clock for gocron, the elector and tick times (tests use
// a clockwork fake clock).
func WithClock(c clockwork.Clock) Option { return func(o *options) { o.clock = c } }

// WithReplicaID names this replica in the lease and in tick claims
// (default host-pid-random).
func WithReplicaID(id string) Option { return func(o *options) { o.replica = id } }

// WithLeaseTTL sets the leader lease TTL (default 10s); it is renewed every TTL/3.
func WithLeaseTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithJobs adds the config file's schedules.
func WithJobs(jobs []ConfigJob) Option { return func(o *options) { o.jobs = append(o.jobs, jobs...) } }

// WithObserver is called after every tick this replica ran (or failed to run).
func WithObserver(f func(Outcome)) Option { return func(o *options) { o.observer = f } }

// WithCampaignRunner runs config jobs that name a campaign_id.
func WithCampaignRunner(r CampaignRunner) Option { return func(o *options) { o.campaigns = r } }

// DefaultClaimTTL is how long a tick claim is kept when the leases bucket
// allows per-key TTLs.
const DefaultClaimTTL = 24 * time.Hour

// WithElector makes the scheduler campaign with e (built once by the caller,
// who hands the same elector to the results poller) instead of building its
// own in Run. Run drives it: campaigning starts with Run and stops with it.
func WithElector(e *Elector) Option { return func(o *options) { o.elector = e } }

// DefaultFollowerGrace is how long a follower leaves a tick to the leader
// before it runs the tick itself (the tick's claim keeps it to one replica).
const DefaultFollowerGrace = 2 * time.Second

// DefaultTickHold is how long a tick claim lives past its holder's last
// renewal (renewed every third of it while the tick runs).
const DefaultTickHold = 10 * time.Second

// WithFollowerGrace sets how long a follower leaves a tick to the leader
// (default DefaultFollowerGrace).
func WithFollowerGrace(d time.Duration) Option { return func(o *options) { o.followerGrace = d } }

// DefaultTickRetryWindow is how long after its time a failed tick is at
// least retried, even when the next tick is due sooner: a 20 s outage of
// Chat Inc (each try of a run waits out its call timeout, then the ledger
// holds an unknown outcome about 10 s before it looks again) or of NATS
// quorum must cost a per-second cron no tick.
const DefaultTickRetryWindow = 40 * time.Second

// WithTickRetryWindow sets how long after its time a failed tick is at
// least retried (default DefaultTickRetryWindow); later it is retried until
// the next tick is due.
func WithTickRetryWindow(d time.Duration) Option { return func(o *options) { o.retryWindow = d } }
