package jsonscan

// maxNestingDepth is encoding/json's limit: a text nested deeper is not
// valid to json.Valid.
const maxNestingDepth = 10000

// Valid reports whether data is one valid JSON value (with surrounding
// whitespace), as json.Valid does: the same grammar, bytes of 0x80 and above
// accepted inside strings as they are, and at most 10000 levels of nesting.
func Valid(data []byte) bool {
	i, ok := skipValue(data, skipSpace(data, 0), maxNestingDepth)
	return ok && skipSpace(data, i) == len(data)
}

// class of a byte inside a JSON string.
const (
	plain   = iota
	quote   // '"', the end
	escape  // '\\'
	control // below 0x20: never allowed
	high    // 0x80 and above: part of a UTF-8 sequence
)

var stringClass = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = control
	}
	t['"'], t['\\'] = quote, escape
	for c := 0x80; c < 0x100; c++ {
		t[c] = high
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(d []byte, i int) int {
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	return i
}

// skipString reads the string starting at d[i] ('"'), escapes included, and
// returns the index after its closing quote.
func skipString(d []byte, i int) (int, bool) {
	for i++; i < len(d); i++ {
		switch stringClass[d[i]] {
		case quote:
			return i + 1, true
		case control:
			return i, false
		case escape:
			i++
			if i >= len(d) {
				return i, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(d) || !isHex(d[i+1]) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(d []byte, i int) int {
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

// skipNumber reads the number starting at d[i]: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
// A digit right after a leading 0 ends the number (and is then refused
// where it stands, as encoding/json refuses it).
func skipNumber(d []byte, i int) (int, bool) {
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = skipDigits(d, i+1)
	default:
		return i, false
	}
	if i < len(d) && d[i] == '.' {
		if i++; i >= len(d) || !isDigit(d[i]) {
			return i, false
		}
		i = skipDigits(d, i)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return i, false
		}
		i = skipDigits(d, i)
	}
	return i, true
}

// skipLiteral reads lit (true, false or null) at d[i].
func skipLiteral(d []byte, i int, lit string) (int, bool) {
	if len(d)-i < len(lit) || string(d[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// skipScalar reads the string, number or literal at d[i].
func skipScalar(d []byte, i int) (int, bool) {
	switch c := d[i]; {
	case c == '"':
		return skipString(d, i)
	case c == '-' || isDigit(c):
		return skipNumber(d, i)
	case c == 't':
		return skipLiteral(d, i, "true")
	case c == 'f':
		return skipLiteral(d, i, "false")
	case c == 'n':
		return skipLiteral(d, i, "null")
	}
	return i, false
}

// skipValue reads the value starting at d[i] (no whitespace before it) and
// returns the index after it; ok is false for invalid JSON and for a value
// nested more than maxDepth levels. It loops instead of recursing, with one
// bit per open container (set: object), so hostile nesting costs no stack.
func skipValue(d []byte, i, maxDepth int) (int, bool) {
	var first [1]uint64
	open := first[:] // bit n of open[n/64]: container n+1 is an object
	depth := 0
	for {
		// A value is expected at i.
		if i >= len(d) {
			return i, false
		}
		switch c := d[i]; c {
		case '{', '[':
			if depth++; depth > maxDepth {
				return i, false
			}
			if w := (depth - 1) / 64; w == len(open) {
				open = append(open, 0)
			}
			w, bit := (depth-1)/64, uint64(1)<<((depth-1)%64)
			if i = skipSpace(d, i+1); c == '{' {
				open[w] |= bit
				if i < len(d) && d[i] == '}' {
					i++
					depth--
					break
				}
				var ok bool
				if i, ok = skipKey(d, i); !ok {
					return i, false
				}
				continue
			}
			open[w] &^= bit
			if i < len(d) && d[i] == ']' {
				i++
				depth--
				break
			}
			continue
		default:
			var ok bool
			if i, ok = skipScalar(d, i); !ok {
				return i, false
			}
		}
		// A value ended at i: close containers until one goes on.
		for {
			if depth == 0 {
				return i, true
			}
			object := open[(depth-1)/64]&(1<<((depth-1)%64)) != 0
			if i = skipSpace(d, i); i >= len(d) {
				return i, false
			}
			if d[i] == ',' {
				i = skipSpace(d, i+1)
				if object {
					var ok bool
					if i, ok = skipKey(d, i); !ok {
						return i, false
					}
				}
				break
			}
			if object && d[i] == '}' || !object && d[i] == ']' {
				i++
				depth--
				continue
			}
			return i, false
		}
	}
}

// skipKey reads `"key" :` at d[i] and the whitespace after it.
func skipKey(d []byte, i int) (int, bool) {
	if i >= len(d) || d[i] != '"' {
		return i, false
	}
	i, ok := skipString(d, i)
	if !ok {
		return i, false
	}
	if i = skipSpace(d, i); i >= len(d) || d[i] != ':' {
		return i, false
	}
	return skipSpace(d, i+1), true
}
