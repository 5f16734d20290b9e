package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// Warehouse tables.
const (
	TableCampaignSnapshots = "campaign_snapshots"
	TableContactOutcomes   = "contact_outcomes"
	TableIngestReports     = "ingest_reports"
	TableSendReports       = "send_reports"
)

// tables lists the warehouse tables, one directory each under the sink dir.
var tables = []string{TableCampaignSnapshots, TableContactOutcomes, TableIngestReports, TableSendReports}

// File formats (and file name extensions).
const (
	FormatParquet = "parquet"
	FormatNDJSON  = "ndjson"
)

// FileSinkConfig is what a FileSink writes and where (as jetstream.StreamConfig
// is for a stream); behaviour beside it comes as FileSinkOptions.
type FileSinkConfig struct {
	Dir      string        // root of the warehouse layout
	Format   string        // "parquet" (default) or "ndjson"
	WorkerID string        // part of file names; one file sink per worker id
	RollSize int64         // roll files at this many bytes (default 64 MiB)
	RollAge  time.Duration // roll files this old (default 5m)
	Durable  string        // consumer name (default campaignflow-files-<worker>)
	// AckWait is the consumer's ack wait (default 2×RollAge+1m). A message
	// redelivered while its first copy waits in an open file is skipped.
	AckWait time.Duration
}

// FileSink derives warehouse files from the results stream with its own
// durable consumer:
//
//	<dir>/<table>/dt=YYYY-MM-DD/part-<worker>-<seq>.<parquet|ndjson>
//
// where dt is the day (UTC) the message was stored and seq the highest stream
// sequence the commit holds. Files are written under hidden temporary names
// (.part-<worker>-*.tmp), fsynced, renamed to hidden .ready names, and the
// commit is recorded in <dir>/.commit-<worker>-<seq>.json before the ready
// files get their final names; only then are the messages acked. On start the
// sink completes a recorded commit, deletes its unrecorded temporaries, and
// resumes the consumer after the highest sequence in its files (or the
// consumer's ack floor, if higher: a loader may have moved the files away),
// so a crash at any point neither loses nor doubles a row, and no partial
// file ever has a final name.
type FileSink struct {
	sinkCore
	o     FileSinkConfig
	crash func(point string) // test hook: called at each step of a commit
}

// FileSinkOption configures a FileSink.
type FileSinkOption func(*FileSink)

// WithLogger logs commits and errors.
func WithLogger(l *slog.Logger) FileSinkOption { return func(f *FileSink) { f.log = l } }

// WithClock sets the clock that ages open files (default: the real one).
func WithClock(c clockwork.Clock) FileSinkOption { return func(f *FileSink) { f.clock = c } }

// NewFileSink prepares a sink; Run consumes.
func NewFileSink(js jetstream.JetStream, names sources.Names, o FileSinkConfig, opts ...FileSinkOption) (*FileSink, error) {
	if o.Dir == "" {
		return nil, errors.New("sinks: file sink needs a directory (--sink-dir or sinks.dir)")
	}
	if err := rollDefaults(&o.Format, &o.RollSize, &o.RollAge, &o.AckWait); err != nil {
		return nil, err
	}
	if o.WorkerID == "" {
		o.WorkerID = "worker"
	}
	// File names are split on '-' and '.', so the worker id holds neither.
	o.WorkerID = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '-' || r == ' ' || r == '.' {
			return '_'
		}
		return r
	}, o.WorkerID)
	if o.Durable == "" {
		o.Durable = "campaignflow-files-" + o.WorkerID
	}
	f := &FileSink{o: o, crash: func(string) {}}
	f.init("file sink", js, names, o.RollSize, o.RollAge)
	f.newFile = func(table, day string) (tableFile, error) {
		return newTableFile(o.Format, table, filepath.Join(o.Dir, table, "dt="+day), o.WorkerID)
	}
	for _, opt := range opts {
		opt(f)
	}
	return f, nil
}

// Run consumes the results stream until ctx ends (open files are discarded,
// their messages redelivered later) or Shutdown (open files are committed).
func (f *FileSink) Run(ctx context.Context) error {
	defer close(f.done)
	if err := f.recover(); err != nil {
		return err
	}
	cons, err := f.consumer(ctx)
	if err != nil {
		return err
	}
	for {
		if end, err := f.ended(ctx, f.commit); end {
			return err
		}
		_, err, fatal := f.fetchAndWrite(ctx, cons, f.dueToRoll, f.commit)
		if fatal != nil {
			return fatal
		}
		if consumerGone(ctx, f.js, f.names.ResultsStream, f.o.Durable, err) {
			// Deleted under the sink (an operator): start again after the
			// last committed file with a new one.
			f.log.Warn("file sink: its consumer was deleted; dropping the open files and starting again after the last commit",
				"consumer", f.o.Durable, "err", err)
			f.abandon()
			f.pause(ctx, stalePull) // a pull sent to the deleted one would take the new one's messages
			for cons, err = f.consumer(ctx); err != nil; cons, err = f.consumer(ctx) {
				// The server may still be removing the old one.
				f.log.Warn("file sink: recreating its consumer failed; retrying in 1s", "consumer", f.o.Durable, "err", err)
				f.pause(ctx, time.Second)
				select {
				case <-ctx.Done():
					return nil
				case <-f.stop:
					return nil // nothing is open
				default:
				}
			}
			continue
		}
		if !quietFetchErr(err) {
			f.log.Warn("file sink: fetching results failed; retrying in 1s", "stream", f.names.ResultsStream, "err", err)
			f.pause(ctx, time.Second)
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
	f.requestStop()
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sinks: file sink did not stop in time: %w", ctx.Err())
	}
}

// consumer (re)creates the sink's durable consumer (see
// sinkCore.createConsumer): the files, not the consumer's pending acks, say
// what is written.
func (f *FileSink) consumer(ctx context.Context) (jetstream.Consumer, error) {
	cons, err := f.createConsumer(ctx, f.o.Durable, "campaignflow warehouse file sink", f.o.AckWait, true)
	if err != nil {
		return nil, err
	}
	f.log.Info("file sink: consuming results", "consumer", f.o.Durable, "from_seq", f.committed+1, "dir", f.o.Dir, "format", f.o.Format)
	return cons, nil
}

// commitRecord is the content of <dir>/.commit-<worker>-<seq>.json: the
// ready files of one commit, relative to dir.
type commitRecord struct {
	Seq   uint64   `json:"seq"`
	Files []string `json:"files"`
}

// commit closes every open file (fsync) under a hidden .ready name, records
// the commit, gives the files their final names, then acks their messages.
func (f *FileSink) commit() error {
	if len(f.pending) == 0 && len(f.open) == 0 {
		return nil
	}
	seq := f.lastSeq
	name := fmt.Sprintf("part-%s-%d.%s", f.o.WorkerID, seq, f.o.Format)
	var rec commitRecord
	rec.Seq = seq
	var rows int64
	for _, key := range slices.Sorted(maps.Keys(f.open)) {
		tf := f.open[key]
		ready, err := tf.finish(name)
		if err != nil {
			f.abandon()
			return fmt.Errorf("sinks: finishing %s/%s: %w", key, name, err)
		}
		delete(f.open, key)
		rel, _ := filepath.Rel(f.o.Dir, ready)
		rec.Files = append(rec.Files, rel)
		rows += tf.rows()
	}
	if len(rec.Files) > 0 {
		f.crash("sealed")
		for _, r := range rec.Files {
			if err := syncDir(filepath.Dir(filepath.Join(f.o.Dir, r))); err != nil {
				return err
			}
		}
		manifest, err := f.writeRecord(rec)
		if err != nil {
			return err
		}
		f.crash("recorded")
		if err := f.complete(manifest, rec); err != nil {
			return err
		}
		f.crash("renamed")
	}
	f.ackPending()
	f.log.Info("file sink: files committed", "name", name, "files", len(rec.Files), "rows", rows, "messages", len(f.pending))
	f.written.Add(rows)
	f.committedTo(seq)
	return nil
}

func (f *FileSink) recordPrefix() string { return ".commit-" + f.o.WorkerID + "-" }

// writeRecord durably writes the commit record: the commit point.
func (f *FileSink) writeRecord(rec commitRecord) (string, error) {
	b, _ := json.Marshal(rec)
	path := filepath.Join(f.o.Dir, f.recordPrefix()+strconv.FormatUint(rec.Seq, 10)+".json")
	tmp := path + ".tmp"
	if err := writeFileSync(tmp, b); err != nil {
		return "", fmt.Errorf("sinks: recording commit %d in %s: %w", rec.Seq, f.o.Dir, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("sinks: recording commit %d: %w", rec.Seq, err)
	}
	if err := syncDir(f.o.Dir); err != nil {
		return "", fmt.Errorf("sinks: recording commit %d: %w", rec.Seq, err)
	}
	return path, nil
}

func writeFileSync(path string, b []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.Write(b); err != nil {
		_ = fh.Close()
		return err
	}
	if err := fh.Sync(); err != nil {
		_ = fh.Close()
		return err
	}
	return fh.Close()
}

// complete renames a recorded commit's ready files to their final names
// (those already renamed are skipped) and removes the record.
func (f *FileSink) complete(manifest string, rec commitRecord) error {
	for _, r := range rec.Files {
		ready := filepath.Join(f.o.Dir, r)
		dir, base := filepath.Split(ready)
		final := filepath.Join(dir, strings.TrimSuffix(strings.TrimPrefix(base, "."), ".ready"))
		if err := os.Rename(ready, final); err != nil {
			if _, serr := os.Stat(final); errors.Is(err, os.ErrNotExist) && serr == nil {
				continue // renamed before a crash
			}
			return fmt.Errorf("sinks: publishing %s: %w", final, err)
		}
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("sinks: publishing %s: %w", final, err)
		}
	}
	if err := os.Remove(manifest); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sinks: removing commit record %s: %w", manifest, err)
	}
	return syncDir(f.o.Dir)
}

// recover completes recorded commits, deletes this worker's unrecorded
// temporary and ready files, and finds the highest committed sequence.
func (f *FileSink) recover() error {
	if err := os.MkdirAll(f.o.Dir, 0o755); err != nil {
		return fmt.Errorf("sinks: creating sink dir %s: %w", f.o.Dir, err)
	}
	records, err := filepath.Glob(filepath.Join(f.o.Dir, f.recordPrefix()+"*"))
	if err != nil {
		return fmt.Errorf("sinks: %w", err)
	}
	for _, path := range records {
		if strings.HasSuffix(path, ".tmp") {
			_ = os.Remove(path) // never became a commit
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("sinks: reading commit record %s: %w", path, err)
		}
		var rec commitRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("sinks: commit record %s is damaged (move it away to start over): %w", path, err)
		}
		if err := f.complete(path, rec); err != nil {
			return err
		}
		f.log.Info("file sink: completed a commit interrupted by a crash", "seq", rec.Seq, "files", len(rec.Files))
	}
	hidden := ".part-" + f.o.WorkerID + "-"
	final := "part-" + f.o.WorkerID + "-"
	for _, table := range tables {
		err := filepath.WalkDir(filepath.Join(f.o.Dir, table), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return nil
				}
				return err
			}
			base := d.Name()
			switch {
			case d.IsDir():
			case strings.HasPrefix(base, hidden):
				// An unfinished file, or a finished one whose commit was never recorded.
				if err := os.Remove(path); err != nil {
					return err
				}
			case strings.HasPrefix(base, final):
				num, _, _ := strings.Cut(strings.TrimPrefix(base, final), ".")
				if seq, err := strconv.ParseUint(num, 10, 64); err == nil && seq > f.committed {
					f.committed = seq
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("sinks: recovering the sink dir %s: %w", f.o.Dir, err)
		}
	}
	f.lastSeq = f.committed
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sinks: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sinks: fsync %s: %w", dir, err)
	}
	return nil
}
