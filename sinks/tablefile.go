package sinks

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// parquetRowGroupRows bounds a Parquet row group, and with it the memory a
// writer buffers before compressing and writing out.
const parquetRowGroupRows = 128 << 10

// tableFile is one open file of one table partition, written under a hidden
// temporary name (.part-<worker>-<random>.tmp) that warehouse loaders skip.
type tableFile interface {
	// write appends one message's rows.
	write(rows []any) error
	// size is the file's size so far, including buffered rows (for Parquet,
	// an upper bound: buffered rows are not compressed yet).
	size() int64
	rows() int64
	// finish flushes, fsyncs and renames the temporary file to the hidden
	// name .<finalName>.ready in the same directory, returning that path.
	finish(finalName string) (string, error)
	discard()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type fileBase struct {
	dir, tmp string
	f        *os.File
	cw       *countingWriter
	n        int64
}

// tempPattern names a worker's temporary files, so that recovery removes
// this worker's leftovers and only those.
func tempPattern(workerID string) string { return ".part-" + workerID + "-*.tmp" }

func openBase(dir, workerID string) (*fileBase, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sinks: creating partition directory (check permissions of the sink dir): %w", err)
	}
	f, err := os.CreateTemp(dir, tempPattern(workerID))
	if err != nil {
		return nil, fmt.Errorf("sinks: creating a temporary file in %s: %w", dir, err)
	}
	return &fileBase{dir: dir, tmp: f.Name(), f: f, cw: &countingWriter{w: f}}, nil
}

func (b *fileBase) rows() int64 { return b.n }

// readyName is the hidden name a finished file waits under until its commit
// is recorded.
func readyName(dir, finalName string) string { return filepath.Join(dir, "."+finalName+".ready") }

func (b *fileBase) seal(finalName string) (string, error) {
	if err := b.f.Sync(); err != nil {
		_ = b.f.Close()
		return "", fmt.Errorf("sinks: fsync %s: %w", b.tmp, err)
	}
	if err := b.f.Close(); err != nil {
		return "", fmt.Errorf("sinks: closing %s: %w", b.tmp, err)
	}
	ready := readyName(b.dir, finalName)
	if err := os.Rename(b.tmp, ready); err != nil {
		return "", fmt.Errorf("sinks: %w", err)
	}
	return ready, nil
}

func (b *fileBase) discard() {
	_ = b.f.Close()
	_ = os.Remove(b.tmp)
}

func newTableFile(format, table, dir, workerID string) (tableFile, error) {
	base, err := openBase(dir, workerID)
	if err != nil {
		return nil, err
	}
	if format == FormatNDJSON {
		bw := bufio.NewWriterSize(base.cw, 256<<10)
		return &ndjsonFile{fileBase: base, bw: bw, enc: json.NewEncoder(bw)}, nil
	}
	switch table {
	case TableCampaignSnapshots:
		return newParquetFile[CampaignSnapshot](base), nil
	case TableContactOutcomes:
		return newParquetFile[ContactOutcome](base), nil
	case TableIngestReports:
		return newParquetFile[IngestReport](base), nil
	case TableSendReports:
		return newParquetFile[SendReport](base), nil
	}
	base.discard()
	return nil, fmt.Errorf("sinks: no Parquet schema for table %q", table)
}

type ndjsonFile struct {
	*fileBase
	bw  *bufio.Writer
	enc *json.Encoder
}

func (n *ndjsonFile) write(rows []any) error {
	for _, row := range rows {
		if err := n.enc.Encode(row); err != nil {
			return fmt.Errorf("sinks: writing %s: %w", n.tmp, err)
		}
		n.n++
	}
	return nil
}

func (n *ndjsonFile) size() int64 { return n.cw.n + int64(n.bw.Buffered()) }

func (n *ndjsonFile) finish(finalName string) (string, error) {
	if err := n.bw.Flush(); err != nil {
		return "", fmt.Errorf("sinks: writing %s: %w", n.tmp, err)
	}
	return n.seal(finalName)
}

type parquetFile[T any] struct {
	*fileBase
	w   *parquet.GenericWriter[T]
	buf []T
}

func newParquetFile[T any](base *fileBase) *parquetFile[T] {
	return &parquetFile[T]{fileBase: base, w: parquet.NewGenericWriter[T](base.cw,
		parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(parquetRowGroupRows))}
}

func (p *parquetFile[T]) write(rows []any) error {
	for _, row := range rows {
		r, ok := row.(T)
		if !ok {
			clear(p.buf)
			p.buf = p.buf[:0]
			return fmt.Errorf("sinks: row of type %T in a %T file", row, *new(T))
		}
		p.buf = append(p.buf, r)
	}
	_, err := p.w.Write(p.buf)
	p.n += int64(len(p.buf))
	clear(p.buf) // drop string references
	p.buf = p.buf[:0]
	if err != nil {
		return fmt.Errorf("sinks: writing %s: %w", p.tmp, err)
	}
	return nil
}

// size is an upper bound: buffered rows are counted uncompressed.
func (p *parquetFile[T]) size() int64 { return max(p.cw.n, p.w.Size()) }

func (p *parquetFile[T]) finish(finalName string) (string, error) {
	if err := p.w.Close(); err != nil {
		return "", fmt.Errorf("sinks: writing the Parquet footer of %s: %w", p.tmp, err)
	}
	return p.seal(finalName)
}
