package main

import (
	"context"
	"io"
)

// ctxReader is a reader whose Read returns ctx's error as soon as ctx is
// done, even while the read below is blocked (standard input from a
// terminal or a pipe nobody writes to): the read goes on in a goroutine
// with a buffer of its own, and its bytes are handed over by the next Read.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	buf     []byte
	pending chan readResult
	left    []byte // read but not yet handed over
	err     error  // the read's error, after left
}

type readResult struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if len(c.left) > 0 {
		n := copy(p, c.left)
		c.left = c.left[n:]
		return n, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.pending == nil {
		if cap(c.buf) < len(p) {
			c.buf = make([]byte, len(p))
		}
		buf, ch := c.buf[:len(p)], make(chan readResult, 1)
		go func() {
			n, err := c.r.Read(buf)
			ch <- readResult{n, err}
		}()
		c.pending = ch
	}
	select {
	case res := <-c.pending:
		c.pending = nil
		n := copy(p, c.buf[:res.n])
		c.left, c.err = c.buf[n:res.n], res.err
		if len(c.left) == 0 && c.err != nil {
			return n, c.err
		}
		return n, nil
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}
