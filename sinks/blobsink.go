package sinks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/campaignflow/campaignflow/sources"
)

// BlobSinkConfig is what a BlobSink writes and where; behaviour beside it
// comes as BlobSinkOptions.
type BlobSinkConfig struct {
	URL      string        // s3://, gs://, azblob:// or file:// (see SinkSchemes); ?prefix=DIR/ puts the tables under DIR
	Format   string        // "parquet" (default) or "ndjson"
	WorkerID string        // recorded in commit records and the state key (who wrote)
	RollSize int64         // upload files at this many bytes (default 64 MiB)
	RollAge  time.Duration // upload files this old (default 5m)
	// AckWait is the consumer's ack wait (default 2×RollAge+1m). A message
	// redelivered while its first copy waits in an open file is skipped.
	AckWait time.Duration
	// SpoolDir holds the files being written until they are uploaded
	// (default: the system's temporary directory).
	SpoolDir string
	// LeaderPoll is how often a writer that does not hold the lease looks
	// again (default 1s).
	LeaderPoll time.Duration
	// CheckTimeout bounds the start-up check that the bucket is there
	// (default 20s).
	CheckTimeout time.Duration
}

// BlobSink derives warehouse files from the results stream and writes them
// as whole objects through gocloud.dev/blob:
//
//	<prefix><table>/dt=YYYY-MM-DD/part-<first>-<last>.<parquet|ndjson>
//
// where first..last is the stream sequence range the object's commit holds
// and dt the day (UTC) each message was stored. One writer per output
// writes at a time: the replica that holds the lease (WithLeader; the
// worker hands it the scheduler's elector). The output's state key in the
// leases bucket (sink.<output>) holds the committed stream sequence; every
// change of it is a compare-and-set, which fences a writer that lost the
// lease. A commit (1) records its range and object names in the state key,
// (2) deletes the objects of an abandoned attempt that this one does not
// replace, (3) uploads each object whole, (4) writes a commit record per
// object (_commits/<object>.json: range, rows, bytes, SHA-256), (5) moves
// the committed sequence to the range's end; only then are the messages
// acked. A writer that finds a
// commit under way (its predecessor crashed) writes the same range again,
// replacing the same objects; one whose context ends discards its open files
// and naks their messages. So a crash at any point neither loses nor
// doubles a row, and no object holds a partial file.
type BlobSink struct {
	sinkCore
	kv      jetstream.KeyValue
	o       BlobSinkConfig
	crash   func(point string)
	leading func(context.Context) bool

	bucket    *blob.Bucket
	closeOnce sync.Once
	shown     string // the URL, redacted
	output    string
	key       string // state key
	durable   string
	spool     string

	rev     uint64      // revision of the state key as this writer last saw or wrote it
	redo    *blobIntent // a crashed writer's commit, written again
	orphans []string    // objects of abandoned attempts, to delete with the next commit

	started atomic.Bool
	objects atomic.Int64
}

// BlobSinkOption configures a BlobSink.
type BlobSinkOption func(*BlobSink)

// WithBlobLogger logs commits and errors (URLs redacted).
func WithBlobLogger(l *slog.Logger) BlobSinkOption { return func(s *BlobSink) { s.log = l } }

// WithBlobClock sets the clock that ages open files (default: the real one).
func WithBlobClock(c clockwork.Clock) BlobSinkOption { return func(s *BlobSink) { s.clock = c } }

// WithLeader makes the sink write only while f says this replica holds the
// lease (pass the scheduler's Elector.Leading). Default: always.
func WithLeader(f func(context.Context) bool) BlobSinkOption {
	return func(s *BlobSink) { s.leading = f }
}

// NewBlobSink checks the URL, opens its bucket and checks that the bucket
// is there; Run consumes. kv is the leases bucket (the output's state key).
// Close releases the bucket if Run never ran.
func NewBlobSink(ctx context.Context, js jetstream.JetStream, kv jetstream.KeyValue, names sources.Names, o BlobSinkConfig,
	opts ...BlobSinkOption) (*BlobSink, error) {
	if err := rollDefaults(&o.Format, &o.RollSize, &o.RollAge, &o.AckWait); err != nil {
		return nil, err
	}
	u, err := parseSinkURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.WorkerID == "" {
		o.WorkerID = "worker"
	}
	if o.LeaderPoll <= 0 {
		o.LeaderPoll = time.Second
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 20 * time.Second
	}
	s := &BlobSink{kv: kv, o: o, crash: func(string) {}, leading: func(context.Context) bool { return true },
		shown: RedactURL(o.URL), output: outputID(u)}
	s.init("blob sink", js, names, o.RollSize, o.RollAge)
	s.newFile = func(table, day string) (tableFile, error) {
		return newTableFile(o.Format, table, filepath.Join(s.spool, table, "dt="+day), "blob")
	}
	s.key, s.durable = stateKey(s.output), "campaignflow-sink-"+s.output
	for _, opt := range opts {
		opt(s)
	}
	if s.bucket, err = openSinkBucket(ctx, o.URL, u); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
	defer cancel()
	if err := checkBucket(cctx, s.bucket, o.URL, u.Scheme); err != nil {
		_ = s.bucket.Close()
		return nil, err
	}
	return s, nil
}

// Output names the output: its state key is sink.<Output> in the leases
// bucket, its consumer campaignflow-sink-<Output>.
func (s *BlobSink) Output() string { return s.output }

// Objects counts objects uploaded in commits.
func (s *BlobSink) Objects() int64 { return s.objects.Load() }

// Close releases the bucket; Run does it when it returns.
func (s *BlobSink) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.bucket.Close() })
	return err
}

// Shutdown commits what is open and stops (and releases the bucket if Run
// never ran).
func (s *BlobSink) Shutdown(ctx context.Context) error {
	s.requestStop()
	if !s.started.Load() {
		return s.Close()
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sinks: blob sink did not stop in time: %w", ctx.Err())
	}
}

// Run waits for the lease, then consumes the results stream while it holds
// it, until ctx ends (open files are discarded, their messages redelivered
// later) or Shutdown (open files are committed). A lost lease or a failed
// commit (NATS or the bucket unreachable) discards the open files and
// starts over from the committed sequence.
func (s *BlobSink) Run(ctx context.Context) error {
	s.started.Store(true)
	defer close(s.done)
	defer s.Close()
	spool, err := os.MkdirTemp(s.o.SpoolDir, "campaignflow-sink-")
	if err != nil {
		return fmt.Errorf("sinks: creating a spool directory for the blob sink (sinks.spool_dir, or TMPDIR): %w", err)
	}
	s.spool = spool
	defer os.RemoveAll(spool)
	for {
		if !s.await(ctx) {
			return nil
		}
		err := s.lead(ctx)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errLostOutput):
			s.log.Warn("blob sink: another writer holds the output now; waiting for the lease", "url", s.shown, "output", s.output)
		default:
			s.log.Warn("blob sink: starting over from the committed sequence in 1s", "url", s.shown, "err", err)
			s.pause(ctx, time.Second)
		}
	}
}

// await waits until this replica leads; false when stopped first.
func (s *BlobSink) await(ctx context.Context) bool {
	waiting := false
	for {
		select {
		case <-ctx.Done():
			return false
		case <-s.stop:
			return false
		default:
		}
		if s.leading(ctx) {
			return true
		}
		if !waiting {
			waiting = true
			s.log.Info("blob sink: waiting for the lease (another replica writes the warehouse files)", "output", s.output)
		}
		s.pause(ctx, s.o.LeaderPoll)
	}
}

// lead consumes while this replica holds the lease: nil when stopped.
func (s *BlobSink) lead(ctx context.Context) error {
	st, rev, err := loadState(ctx, s.kv, s.key)
	if err != nil {
		return err
	}
	s.rev, s.committed, s.redo, s.orphans = rev, st.Committed, nil, nil
	if p := st.Pending; p != nil {
		if p.First == st.Committed+1 {
			s.redo = p
		}
		s.orphans = union(p.Objects, p.Orphans)
		s.log.Info("blob sink: a commit was interrupted; writing its range again", "first_seq", p.First, "last_seq", p.Last,
			"objects", len(p.Objects), "writer", st.Writer)
	}
	cons, err := s.consumer(ctx, st.Pending == nil)
	if err != nil {
		return err
	}
	for {
		if end, err := s.ended(ctx, func() error { return s.commit(ctx) }); end {
			return err
		}
		if !s.leading(ctx) {
			s.abandon()
			return errLostOutput
		}
		n, err, fatal := s.fetchAndWrite(ctx, cons, s.dueToRoll, func() error { return s.commit(ctx) })
		if fatal != nil {
			return fatal
		}
		if s.redo != nil && len(s.pending) > 0 && s.lastSeq < s.redo.Last && n == 0 && s.caughtUp(ctx, cons) {
			// Caught up short of the interrupted commit's end: its last
			// messages left the stream. Its orphans go with the next commit.
			s.log.Warn("blob sink: the interrupted commit's last messages are gone from the stream; committing what is there",
				"last_seq", s.redo.Last, "have", s.lastSeq)
			s.redo = nil
		}
		if consumerGone(ctx, s.js, s.names.ResultsStream, s.durable, err) {
			// Deleted by an operator or by a writer that took the output:
			// start over from the committed sequence with a new one.
			s.abandon()
			return fmt.Errorf("sinks: the blob sink's consumer %s is gone: %w", s.durable, err)
		}
		if !quietFetchErr(err) {
			s.log.Warn("blob sink: fetching results failed; retrying in 1s", "stream", s.names.ResultsStream, "err", err)
			s.pause(ctx, time.Second)
		}
		if s.dueToRoll() {
			if err := s.commit(ctx); err != nil {
				return err
			}
		}
	}
}

// caughtUp says the server has no more messages for the consumer.
func (s *BlobSink) caughtUp(ctx context.Context, cons jetstream.Consumer) bool {
	info, err := cons.Info(ctx)
	return err == nil && info.NumPending == 0
}

// consumer (re)creates the output's durable consumer so that it delivers
// from just after the committed sequence (or the consumer's ack floor, if
// higher and no commit is under way: the state key was removed).
func (s *BlobSink) consumer(ctx context.Context, floorCounts bool) (jetstream.Consumer, error) {
	cons, err := s.createConsumer(ctx, s.durable, "campaignflow warehouse blob sink "+s.shown, s.o.AckWait, floorCounts)
	if err != nil {
		return nil, err
	}
	s.log.Info("blob sink: writing warehouse objects", "url", s.shown, "output", s.output, "consumer", s.durable,
		"from_seq", s.committed+1, "format", s.o.Format)
	return cons, nil
}

// dueToRoll: a commit written again rolls exactly at its last sequence,
// whatever its files' age and size, so its objects are replaced.
func (s *BlobSink) dueToRoll() bool {
	if len(s.pending) > 0 && s.redo != nil {
		return s.lastSeq >= s.redo.Last
	}
	return s.sinkCore.dueToRoll()
}

// sealed is a finished local file and the object it becomes.
type sealed struct {
	object, path, table, day string
	rows                     int64
}

// commit uploads the open files as objects and moves the committed
// sequence (see BlobSink), then acks their messages.
func (s *BlobSink) commit(ctx context.Context) error {
	if len(s.pending) == 0 && len(s.open) == 0 {
		return nil
	}
	first, last := s.committed+1, s.lastSeq
	name := fmt.Sprintf("part-%d-%d.%s", first, last, s.o.Format)
	var objs []sealed
	for _, key := range slices.Sorted(maps.Keys(s.open)) {
		tf := s.open[key]
		path, err := tf.finish(name)
		delete(s.open, key)
		if err != nil {
			s.discard(objs)
			s.abandon()
			return fmt.Errorf("sinks: finishing %s/%s: %w", key, name, err)
		}
		table, day, _ := strings.Cut(key, "/dt=")
		objs = append(objs, sealed{object: key + "/" + name, path: path, table: table, day: day, rows: tf.rows()})
	}
	defer s.discard(objs)
	keys := make([]string, len(objs))
	var rows int64
	for i, o := range objs {
		keys[i], rows = o.object, rows+o.rows
	}
	var orphans []string
	for _, o := range s.orphans {
		if !slices.Contains(keys, o) {
			orphans = append(orphans, o)
		}
	}
	if len(objs) > 0 || len(orphans) > 0 {
		intent := &blobIntent{First: first, Last: last, Objects: keys, Orphans: orphans}
		rev, err := storeState(ctx, s.kv, s.key, s.state(s.committed, intent), s.rev)
		if err != nil {
			s.abandon()
			return err
		}
		s.rev, s.orphans = rev, union(keys, orphans)
		s.crash("intent")
		for _, o := range orphans {
			for _, k := range []string{o, commitRecordKey(o)} {
				if err := s.retry(ctx, "deleting "+k+" (left by an interrupted commit)", func() error {
					if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
						return err
					}
					return nil
				}); err != nil {
					s.abandon()
					return err
				}
			}
		}
		recs := make([]ObjectCommit, len(objs))
		for i, o := range objs {
			if recs[i], err = s.upload(ctx, o, first, last); err != nil {
				s.abandon()
				return err
			}
			if i == 0 {
				s.crash("uploaded")
			}
		}
		for _, rec := range recs {
			b, _ := json.Marshal(rec)
			if err := s.retry(ctx, "writing the commit record of "+rec.Object, func() error {
				return s.bucket.WriteAll(ctx, commitRecordKey(rec.Object), b, &blob.WriterOptions{ContentType: "application/json"})
			}); err != nil {
				s.abandon()
				return err
			}
		}
		s.crash("recorded")
	}
	rev, err := storeState(ctx, s.kv, s.key, s.state(last, nil), s.rev)
	if err != nil {
		s.abandon()
		return err
	}
	s.rev = rev
	s.crash("committed")
	s.ackPending()
	s.log.Info("blob sink: objects committed", "first_seq", first, "last_seq", last, "objects", len(objs), "rows", rows,
		"messages", len(s.pending), "orphans_deleted", len(orphans))
	s.written.Add(rows)
	s.objects.Add(int64(len(objs)))
	s.committedTo(last)
	s.redo, s.orphans = nil, nil
	return nil
}

func (s *BlobSink) state(committed uint64, p *blobIntent) blobState {
	return blobState{Committed: committed, Pending: p, Writer: s.o.WorkerID, Output: s.shown}
}

// upload writes one sealed file as a whole object, retrying while this
// replica leads, and returns its commit record.
func (s *BlobSink) upload(ctx context.Context, o sealed, first, last uint64) (ObjectCommit, error) {
	rec := ObjectCommit{Object: o.object, Table: o.table, Day: o.day, Format: s.o.Format, FirstSeq: first, LastSeq: last,
		Rows: o.rows, Writer: s.o.WorkerID}
	err := s.retry(ctx, "uploading "+o.object, func() error {
		n, sum, err := s.put(ctx, o)
		rec.Bytes, rec.SHA256 = n, sum
		return err
	})
	return rec, err
}

func (s *BlobSink) put(ctx context.Context, o sealed) (int64, string, error) {
	f, err := os.Open(o.path)
	if err != nil {
		return 0, "", fmt.Errorf("sinks: %w", err)
	}
	defer f.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ct := "application/vnd.apache.parquet"
	if s.o.Format == FormatNDJSON {
		ct = "application/x-ndjson"
	}
	w, err := s.bucket.NewWriter(wctx, o.object, &blob.WriterOptions{ContentType: ct})
	if err != nil {
		return 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(w, io.TeeReader(f, h))
	if err != nil {
		cancel() // abandons the object: nothing is written
		_ = w.Close()
		return 0, "", err
	}
	if err := w.Close(); err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// retry runs op until it succeeds, ctx ends, or this replica stops leading,
// waiting 1s, 2s, 4s ... (at most 30s) between attempts.
func (s *BlobSink) retry(ctx context.Context, what string, op func() error) error {
	wait := time.Second
	for {
		err := op()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("sinks: %s in %s: %w", what, s.shown, ctx.Err())
		}
		if !s.leading(ctx) {
			return errLostOutput
		}
		s.log.Warn("blob sink: "+what+" failed; retrying", "url", s.shown, "in", wait.String(), "err", redactErr(err, s.o.URL))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		wait = min(2*wait, 30*time.Second)
	}
}

// discard removes finished local files.
func (s *BlobSink) discard(objs []sealed) {
	for _, o := range objs {
		_ = os.Remove(o.path)
	}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
