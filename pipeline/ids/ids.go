package ids

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLen is the longest id, in bytes (contract: 256 bytes of printable ASCII).
const MaxLen = 256

// ErrInvalid is matched by every error of Check.
var ErrInvalid = errors.New("ids: invalid id")

// Check says whether id is an allowed id: 1 to MaxLen bytes, each printable
// ASCII without space. The error says what is wrong and where, never quoting
// more than a short prefix of a long id.
func Check(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrInvalid)
	case len(id) > MaxLen:
		return fmt.Errorf("%w: %d bytes (at most %d), starting %s", ErrInvalid, len(id), MaxLen, Quote(id))
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= 0x20 || c >= 0x7f {
			what := fmt.Sprintf("byte 0x%02x", c)
			r, size := utf8.DecodeRuneInString(id[i:])
			switch {
			case c == ' ':
				what = "a space"
			case r == utf8.RuneError && size == 3:
				// What encoding/json makes of invalid UTF-8 in a JSON string.
				what = "U+FFFD (invalid UTF-8 in the event, or a replacement character)"
			case r == utf8.RuneError:
				what = fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", c)
			case r >= 0x80:
				what = fmt.Sprintf("non-ASCII %q", r)
			}
			return fmt.Errorf("%w: %s at byte %d of %s (ids are printable ASCII without spaces)", ErrInvalid, what, i, Quote(id))
		}
	}
	return nil
}

// quoteMax is how much of an id an error message quotes.
const quoteMax = 64

// Quote is id quoted for a message, cut to a short prefix when long and with
// invalid bytes escaped.
func Quote(id string) string {
	if len(id) <= quoteMax {
		return fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("%q... (%d bytes)", id[:quoteMax], len(id))
}

// hashedPrefix marks a Token that is a hash of an over-long or invalid input
// ("=H" is never a hex escape, so it cannot collide with an escaped id).
const hashedPrefix = "=H"

// maxToken is the longest escaped token; longer input is hashed. An allowed
// id escapes to at most 3*MaxLen bytes, so only input that Check refuses is
// ever hashed.
const maxToken = 3 * MaxLen

// Token writes s as one NATS subject token and KV key token: bytes outside
// [A-Za-z0-9_-/] (and '=', the escape byte) become "=XX". Ids that hold only
// safe bytes are unchanged. Input that is not an allowed id and would
// escape to more than 3*MaxLen bytes becomes "=H" and a SHA-256 prefix, so a
// subject or key built from any input stays short.
func Token(s string) string {
	if s == "" {
		return "="
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !safe(s[i]) {
			n++
		}
	}
	if n == 0 && len(s) <= maxToken {
		return s
	}
	if len(s)+2*n > maxToken {
		sum := sha256.Sum256([]byte(s))
		return hashedPrefix + hex.EncodeToString(sum[:16])
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if safe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// Untoken reverses Token for an escaped token; ok is false for a hashed or
// malformed one.
func Untoken(t string) (string, bool) {
	if t == "=" {
		return "", true
	}
	if !strings.Contains(t, "=") {
		return t, true
	}
	if strings.HasPrefix(t, hashedPrefix) {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '=' {
			b.WriteByte(t[i])
			continue
		}
		if i+2 >= len(t) {
			return "", false
		}
		v, err := hex.DecodeString(t[i+1 : i+3])
		if err != nil {
			return "", false
		}
		b.WriteByte(v[0])
		i += 2
	}
	return b.String(), true
}

func safe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/'
}
