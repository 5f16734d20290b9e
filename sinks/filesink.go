package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// Warehouse tables.
const (
	TableCampaignSnapshots = "campaign_snapshots"
	TableContactOutcomes   = "contact_outcomes"
	TableIngestReports     = "ingest_reports"
)

// FileSinkOptions configure a FileSink.
type FileSinkOptions struct {
	Dir      string        // root of the warehouse layout
	Format   string        // "parquet" (default) or "ndjson"
	WorkerID string        // part of file names; one file sink per worker id
	RollSize int64         // roll files at this many bytes (default 64 MiB)
	RollAge  time.Duration // roll files this old (default 5m)
	Durable  string        // consumer name (default campaignflow-files-<worker>)
}

// FileSink derives warehouse files from the results stream with its own
// durable consumer. Files are written under hidden temporary names and
// renamed when complete, named after the last stream sequence they hold:
// <dir>/<table>/dt=YYYY-MM-DD/part-<worker>-<seq>.<ext>. Messages are acked
// only after their file is renamed, and on start the sink skips messages at
// or below the highest committed sequence, so a crash neither loses nor
// doubles a row.
type FileSink struct {
	js    jetstream.JetStream
	names sources.Names
	o     FileSinkOptions
	log   *slog.Logger
	now   func() time.Time

	open      map[string]tableFile // by table + partition
	pending   []jetstream.Msg
	lastSeq   uint64 // highest stream sequence in the open files
	committed uint64 // highest stream sequence in renamed files
	opened    time.Time
	stop      chan struct{}
	done      chan struct{}
	written   int64
}

// FileSinkOption configures a FileSink.
type FileSinkOption func(*FileSink)

// WithFileSinkLogger logs commits and errors.
func WithFileSinkLogger(l *slog.Logger) FileSinkOption { return func(f *FileSink) { f.log = l } }

// NewFileSink prepares a sink; Run consumes.
func NewFileSink(js jetstream.JetStream, names sources.Names, o FileSinkOptions, opts ...FileSinkOption) (*FileSink, error) {
	if o.Dir == "" {
		return nil, errors.New("sinks: file sink needs a directory (--sink-dir or sinks.dir)")
	}
	if o.Format == "" {
		o.Format = "parquet"
	}
	if o.Format != "parquet" && o.Format != "ndjson" {
		return nil, fmt.Errorf("sinks: format %q must be parquet or ndjson", o.Format)
	}
	if o.WorkerID == "" {
		o.WorkerID = "worker"
	}
	o.WorkerID = strings.Map(func(r rune) rune {
		if r == '/' || r == '-' || r == ' ' || r == '.' {
			return '_'
		}
		return r
	}, o.WorkerID)
	if o.RollSize <= 0 {
		o.RollSize = 64 << 20
	}
	if o.RollAge <= 0 {
		o.RollAge = 5 * time.Minute
	}
	if o.Durable == "" {
		o.Durable = "campaignflow-files-" + o.WorkerID
	}
	f := &FileSink{js: js, names: names, o: o, log: slog.New(slog.DiscardHandler), now: time.Now,
		open: map[string]tableFile{}, stop: make(chan struct{}), done: make(chan struct{})}
	for _, opt := range opts {
		opt(f)
	}
	return f, nil
}

// Written counts rows written into committed files.
func (f *FileSink) Written() int64 { return f.written }

// Run consumes the results stream until ctx ends or Shutdown.
func (f *FileSink) Run(ctx context.Context) error {
	defer close(f.done)
	if err := f.recover(); err != nil {
		return err
	}
	cons, err := f.js.CreateOrUpdateConsumer(ctx, f.names.ResultsStream, jetstream.ConsumerConfig{
		Durable: f.o.Durable, Description: "campaignflow warehouse file sink", AckPolicy: jetstream.AckExplicitPolicy,
		FilterSubject: f.names.ResultsFilter(), AckWait: 5 * time.Minute, MaxAckPending: 100000, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("sinks: file sink consumer: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return f.abandon()
		case <-f.stop:
			return f.commit()
		default:
		}
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(500*time.Millisecond))
		if err == nil {
			for msg := range batch.Messages() {
				if werr := f.write(msg); werr != nil {
					f.log.Error("file sink: dropping an unreadable result (acked, logged)", "subject", msg.Subject(), "err", werr)
					_ = msg.Term()
				}
			}
			err = batch.Error()
		}
		if err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			f.log.Warn("file sink: fetch failed; retrying", "err", err)
		}
		if f.dueToRoll() {
			if err := f.commit(); err != nil {
				return err
			}
		}
	}
}

// Shutdown commits what is open and stops.
func (f *FileSink) Shutdown(ctx context.Context) error {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *FileSink) write(msg jetstream.Msg) error {
	meta, err := msg.Metadata()
	if err != nil {
		return err
	}
	if meta.Sequence.Stream <= f.committed {
		return msg.Ack() // already in a committed file (redelivered after a crash)
	}
	table, rows, day, err := f.decode(msg.Subject(), msg.Data(), meta.Timestamp)
	if err != nil {
		return err
	}
	if len(f.open) == 0 {
		f.opened = f.now()
	}
	key := table + "/" + day
	tf, ok := f.open[key]
	if !ok {
		if tf, err = newTableFile(f.o.Format, table, filepath.Join(f.o.Dir, table, "dt="+day)); err != nil {
			return err
		}
		f.open[key] = tf
	}
	for _, r := range rows {
		if err := tf.write(r); err != nil {
			return err
		}
	}
	f.pending = append(f.pending, msg)
	f.lastSeq = meta.Sequence.Stream
	return nil
}

func (f *FileSink) decode(subject string, data []byte, ts time.Time) (string, []any, string, error) {
	day := ts.UTC().Format("2006-01-02")
	p := f.names.Prefix + ".results."
	switch {
	case strings.HasPrefix(subject, p+"campaign."):
		var s CampaignSnapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return "", nil, "", err
		}
		return TableCampaignSnapshots, []any{s}, day, nil
	case strings.HasPrefix(subject, p+"contacts."):
		var b ContactOutcomeBatch
		if err := json.Unmarshal(data, &b); err != nil {
			return "", nil, "", err
		}
		rows := make([]any, len(b.Rows))
		for i, r := range b.Rows {
			rows[i] = r
		}
		return TableContactOutcomes, rows, day, nil
	case strings.HasPrefix(subject, p+"ingest."):
		var r IngestReport
		if err := json.Unmarshal(data, &r); err != nil {
			return "", nil, "", err
		}
		return TableIngestReports, []any{r}, day, nil
	}
	return "", nil, "", fmt.Errorf("sinks: no table for subject %s", subject)
}

func (f *FileSink) dueToRoll() bool {
	if len(f.open) == 0 {
		return false
	}
	if f.now().Sub(f.opened) >= f.o.RollAge {
		return true
	}
	var size int64
	for _, tf := range f.open {
		size += tf.size()
	}
	return size >= f.o.RollSize
}

// commit closes every open file (fsync), marks them ready, renames them to
// their final names, then acks their messages.
func (f *FileSink) commit() error {
	if len(f.open) == 0 {
		return nil
	}
	name := fmt.Sprintf("part-%s-%d.%s", f.o.WorkerID, f.lastSeq, f.o.Format)
	var ready []string
	var rows int64
	for _, tf := range f.open {
		r, err := tf.finish(name)
		if err != nil {
			return fmt.Errorf("sinks: closing %s: %w", name, err)
		}
		ready = append(ready, r)
		rows += tf.rows()
	}
	for _, r := range ready {
		if err := publishReady(r); err != nil {
			return err
		}
	}
	for _, m := range f.pending {
		_ = m.Ack()
	}
	f.log.Info("file sink: files committed", "name", name, "files", len(ready), "rows", rows, "messages", len(f.pending))
	f.written += rows
	f.committed = f.lastSeq
	f.open, f.pending = map[string]tableFile{}, nil
	return nil
}

// abandon drops open files without committing (their messages are
// redelivered): used when the context is cancelled mid-write.
func (f *FileSink) abandon() error {
	for _, tf := range f.open {
		tf.discard()
	}
	f.open, f.pending = map[string]tableFile{}, nil
	return nil
}

// recover finishes renames of ready files, deletes unfinished temporaries,
// and finds the highest committed sequence of this worker.
func (f *FileSink) recover() error {
	prefix := "part-" + f.o.WorkerID + "-"
	return filepath.WalkDir(f.o.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		base := filepath.Base(path)
		switch {
		case strings.HasPrefix(base, "."+prefix) && strings.HasSuffix(base, ".ready"):
			if err := publishReady(path); err != nil {
				return err
			}
			base = strings.TrimSuffix(strings.TrimPrefix(base, "."), ".ready")
		case strings.HasPrefix(base, "."+prefix) && strings.HasSuffix(base, ".tmp"):
			return os.Remove(path)
		}
		if strings.HasPrefix(base, prefix) {
			num := strings.TrimPrefix(base, prefix)
			if i := strings.IndexByte(num, '.'); i > 0 {
				if seq, err := strconv.ParseUint(num[:i], 10, 64); err == nil && seq > f.committed {
					f.committed = seq
				}
			}
		}
		return nil
	})
}

// publishReady renames .part-X.ready to part-X and syncs the directory.
func publishReady(ready string) error {
	dir, base := filepath.Split(ready)
	final := filepath.Join(dir, strings.TrimSuffix(strings.TrimPrefix(base, "."), ".ready"))
	if err := os.Rename(ready, final); err != nil {
		return fmt.Errorf("sinks: publishing %s: %w", final, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
