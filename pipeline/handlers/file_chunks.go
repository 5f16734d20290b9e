package handlers

import (
	"context"
	"runtime"
	"sync"

	"github.com/campaignflow/campaignflow/pipeline/e164"
)

// A file import runs in four stages so that reading, E.164 mapping (the
// costliest step: libphonenumber's validity check) and sending overlap:
//
//	reader (File's goroutine) -> fileMappers mappers -> assembler -> sender
//
// The reader cuts rows into chunks and hands each to a mapper and, in file
// order, to the assembler; the assembler waits for each chunk's mapping,
// reports its rows and fills batches for the sender (fileSender), so rows
// reach Chat Inc and the report in file order. Memory is bounded by the
// fileChunksInFlight chunks and fileBatchesInFlight batches.
const (
	fileChunkRows      = 512
	fileChunksInFlight = 4
)

// fileMappers is how many goroutines map numbers to E.164: two where there
// are two cores, else one.
func fileMappers() int { return max(1, min(2, runtime.GOMAXPROCS(0))) }

// fileChunk is rows read from the file and, once ready is closed, mapped.
type fileChunk struct {
	recs    [][]string // the rows' fields (copied: the CSV reader reuses its slice)
	rowNums []int
	rowErrs []error // *RowError of a malformed row, else nil
	numbers []string
	mapErrs []error // why the row's number is not E.164, else nil
	ready   chan struct{}
	// digits holds the chunk's numbers one after the other while they are
	// mapped, ends where each ends (-1: none); the numbers are then one
	// string, one allocation per chunk rather than one per row.
	digits []byte
	ends   []int
}

func (c *fileChunk) reset() {
	c.recs, c.rowNums, c.rowErrs = c.recs[:0], c.rowNums[:0], c.rowErrs[:0]
	c.numbers, c.mapErrs = c.numbers[:0], c.mapErrs[:0]
	c.ready = make(chan struct{})
}

func (c *fileChunk) add(rowNum int, rec []string, rowErr error) {
	i := len(c.recs)
	if i < cap(c.recs) {
		c.recs = c.recs[:i+1]
		c.recs[i] = append(c.recs[i][:0], rec...)
	} else {
		c.recs = append(c.recs, append([]string(nil), rec...))
	}
	c.rowNums, c.rowErrs = append(c.rowNums, rowNum), append(c.rowErrs, rowErr)
}

// mapNumbers maps the number column of every well-formed row.
func (c *fileChunk) mapNumbers(m e164.Mapper, col int) {
	c.digits, c.ends = c.digits[:0], c.ends[:0]
	for i, rec := range c.recs {
		end, err := -1, c.rowErrs[i]
		if err == nil {
			raw := ""
			if col < len(rec) {
				raw = rec[col]
			}
			var out []byte
			if out, err = m.AppendE164(c.digits, raw); err == nil {
				c.digits, end = out, len(out)
			}
		}
		c.ends, c.mapErrs = append(c.ends, end), append(c.mapErrs, err)
	}
	all, start := string(c.digits), 0
	for _, end := range c.ends {
		n := ""
		if end >= 0 {
			n, start = all[start:end], end
		}
		c.numbers = append(c.numbers, n)
	}
	close(c.ready)
}

// fileStages runs the mappers and the assembler of one file import.
type fileStages struct {
	ctx       context.Context // cancelled (with the cause) when a stage fails or the parent is done
	cancel    context.CancelCauseFunc
	free      chan *fileChunk // assembler -> reader
	work      chan *fileChunk // reader -> mappers
	order     chan *fileChunk // reader -> assembler, in file order
	mappers   sync.WaitGroup
	assembled chan struct{} // closed when the assembler has returned
	closed    bool
}

// startFileStages starts the mappers and the assembler; assemble consumes
// the chunks in file order until order is closed. The caller must call
// stop (deferred) on every path.
func startFileStages(ctx context.Context, m e164.Mapper, col int, assemble func(ctx context.Context, order <-chan *fileChunk, free chan<- *fileChunk) error) *fileStages {
	ctx, cancel := context.WithCancelCause(ctx)
	p := &fileStages{ctx: ctx, cancel: cancel, free: make(chan *fileChunk, fileChunksInFlight),
		work: make(chan *fileChunk, fileChunksInFlight), order: make(chan *fileChunk, fileChunksInFlight),
		assembled: make(chan struct{})}
	for range fileChunksInFlight {
		p.free <- &fileChunk{}
	}
	for range fileMappers() {
		p.mappers.Add(1)
		go func() {
			defer p.mappers.Done()
			defer recoverStage("E.164 mapper", cancel)
			for {
				select {
				case <-ctx.Done():
					return
				case c, ok := <-p.work:
					if !ok {
						return
					}
					c.mapNumbers(m, col)
				}
			}
		}()
	}
	go func() {
		defer close(p.assembled)
		defer recoverStage("assembler", cancel)
		if err := assemble(ctx, p.order, p.free); err != nil {
			cancel(err)
		}
	}()
	return p
}

// chunk returns an empty chunk to fill, waiting while all are in flight.
func (p *fileStages) chunk() (*fileChunk, error) {
	select {
	case c := <-p.free:
		c.reset()
		return c, nil
	case <-p.ctx.Done():
		return nil, p.why()
	}
}

// dispatch hands a filled chunk to the mappers and the assembler (never
// blocks: the channels hold every chunk).
func (p *fileStages) dispatch(c *fileChunk) error {
	if err := p.ctx.Err(); err != nil {
		return p.why()
	}
	p.order <- c
	p.work <- c
	return nil
}

// finish tells the stages no more chunks come, waits for the assembler and
// returns the first error.
func (p *fileStages) finish() error {
	p.closeInput()
	<-p.assembled
	if p.ctx.Err() != nil {
		return context.Cause(p.ctx)
	}
	return nil
}

func (p *fileStages) closeInput() {
	if !p.closed {
		p.closed = true
		close(p.order)
		close(p.work)
	}
}

// why waits for the assembler of a stopped import and returns the cause.
func (p *fileStages) why() error {
	<-p.assembled
	return context.Cause(p.ctx)
}

// stop ends every stage and waits for them.
func (p *fileStages) stop() {
	p.cancel(context.Canceled)
	p.closeInput()
	<-p.assembled
	p.mappers.Wait()
}
