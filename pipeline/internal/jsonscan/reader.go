package jsonscan

import (
	"strings"
	"unicode/utf8"
)

// maxSkipDepth is how deeply a value a Reader skips may nest; deeper ones
// are left to encoding/json.
const maxSkipDepth = 64

// Reader reads one JSON text from the front for a decoder of a known
// shape. Every method reports ok false for what it does not handle, valid
// JSON or not; the Reader is then spent and its decoder falls back to
// encoding/json.
type Reader struct {
	data []byte
	pos  int
}

// NewReader reads data.
func NewReader(data []byte) Reader { return Reader{data: data} }

// Data is what the reader reads.
func (r *Reader) Data() []byte { return r.data }

// Peek skips whitespace and returns the next byte (0 at the end).
func (r *Reader) Peek() byte {
	r.pos = skipSpace(r.data, r.pos)
	if r.pos >= len(r.data) {
		return 0
	}
	return r.data[r.pos]
}

// End reports that only whitespace is left.
func (r *Reader) End() bool { return r.Peek() == 0 && r.pos == len(r.data) }

// String reads a string that encoding/json would decode to its bytes as
// they are: no escapes, valid UTF-8. It returns the bytes between the
// quotes; anything else (another value, an escape) is not ok.
func (r *Reader) String() ([]byte, bool) {
	if r.Peek() != '"' {
		return nil, false
	}
	d, start, ascii := r.data, r.pos+1, true
	for i := start; i < len(d); i++ {
		switch stringClass[d[i]] {
		case quote:
			r.pos = i + 1
			if s := d[start:i]; ascii || utf8.Valid(s) {
				return s, true
			}
			return nil, false
		case high:
			ascii = false
		case escape, control:
			return nil, false
		}
	}
	return nil, false
}

// Skip reads a value of any kind, checked as encoding/json would check it.
func (r *Reader) Skip() bool {
	if r.Peek() == 0 {
		return false
	}
	var ok bool
	r.pos, ok = skipValue(r.data, r.pos, maxSkipDepth)
	return ok
}

// Raw reads a value of any kind, checked as Skip checks it, and returns
// its bytes.
func (r *Reader) Raw() ([]byte, bool) {
	if r.Peek() == 0 {
		return nil, false
	}
	start := r.pos
	if !r.Skip() {
		return nil, false
	}
	return r.data[start:r.pos], true
}

// Object reads an object, calling member with each key (read by String)
// and the reader before its value; member reads the value, or reports that
// it cannot.
func (r *Reader) Object(member func(key []byte) bool) bool {
	if r.Peek() != '{' {
		return false
	}
	r.pos++
	if r.Peek() == '}' {
		r.pos++
		return true
	}
	for {
		key, ok := r.String()
		if !ok || r.Peek() != ':' {
			return false
		}
		r.pos++
		if !member(key) {
			return false
		}
		switch r.Peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return true
		default:
			return false
		}
	}
}

// Array reads an array, calling elem before each element; elem reads it,
// or reports that it cannot.
func (r *Reader) Array(elem func() bool) bool {
	if r.Peek() != '[' {
		return false
	}
	r.pos++
	if r.Peek() == ']' {
		r.pos++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch r.Peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return true
		default:
			return false
		}
	}
}

// MayMatch reports that encoding/json may match key to a struct field named
// one of names: equal to one ignoring ASCII case, or not ASCII at all
// (its Unicode folding is left to it). A decoder gives up on such a key
// unless it is exactly the name it reads.
func MayMatch(key []byte, names ...string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return true
		}
	}
	return false
}
