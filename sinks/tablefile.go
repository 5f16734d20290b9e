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

// tableFile is one open file of one table partition.
type tableFile interface {
	write(row any) error
	size() int64
	rows() int64
	// finish flushes, fsyncs and renames the temporary file to a hidden
	// .ready name, returning it.
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

func openBase(dir string) (*fileBase, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sinks: %w", err)
	}
	f, err := os.CreateTemp(dir, ".part-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("sinks: %w", err)
	}
	return &fileBase{dir: dir, tmp: f.Name(), f: f, cw: &countingWriter{w: f}}, nil
}

func (b *fileBase) size() int64 { return b.cw.n }
func (b *fileBase) rows() int64 { return b.n }

func (b *fileBase) seal(finalName string) (string, error) {
	if err := b.f.Sync(); err != nil {
		return "", err
	}
	if err := b.f.Close(); err != nil {
		return "", err
	}
	// Hidden until every file of the commit is ready: a crash leaves
	// either .tmp (discarded on restart) or .ready (published on restart).
	ready := filepath.Join(b.dir, "."+finalName+".ready")
	if err := os.Rename(b.tmp, ready); err != nil {
		return "", err
	}
	return ready, nil
}

func (b *fileBase) discard() {
	_ = b.f.Close()
	_ = os.Remove(b.tmp)
}

func newTableFile(format, table, dir string) (tableFile, error) {
	base, err := openBase(dir)
	if err != nil {
		return nil, err
	}
	if format == "ndjson" {
		bw := bufio.NewWriterSize(base.cw, 256<<10)
		return &ndjsonFile{fileBase: base, bw: bw, enc: json.NewEncoder(bw)}, nil
	}
	switch table {
	case TableCampaignSnapshots:
		return newParquetFile[CampaignSnapshot](base), nil
	case TableContactOutcomes:
		return newParquetFile[ContactOutcome](base), nil
	default:
		return newParquetFile[IngestReport](base), nil
	}
}

type ndjsonFile struct {
	*fileBase
	bw  *bufio.Writer
	enc *json.Encoder
}

func (n *ndjsonFile) write(row any) error {
	n.n++
	return n.enc.Encode(row)
}

func (n *ndjsonFile) finish(finalName string) (string, error) {
	if err := n.bw.Flush(); err != nil {
		return "", err
	}
	return n.seal(finalName)
}

type parquetFile[T any] struct {
	*fileBase
	w   *parquet.GenericWriter[T]
	buf []T
}

func newParquetFile[T any](base *fileBase) *parquetFile[T] {
	return &parquetFile[T]{fileBase: base, w: parquet.NewGenericWriter[T](base.cw, parquet.Compression(&parquet.Zstd))}
}

func (p *parquetFile[T]) write(row any) error {
	r, ok := row.(T)
	if !ok {
		return fmt.Errorf("sinks: row of type %T in a %T file", row, *new(T))
	}
	p.n++
	p.buf = append(p.buf, r)
	if len(p.buf) >= 4096 {
		return p.flushRows()
	}
	return nil
}

func (p *parquetFile[T]) flushRows() error {
	if len(p.buf) == 0 {
		return nil
	}
	_, err := p.w.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

func (p *parquetFile[T]) finish(finalName string) (string, error) {
	if err := p.flushRows(); err != nil {
		return "", err
	}
	if err := p.w.Close(); err != nil {
		return "", err
	}
	return p.seal(finalName)
}
