package sandbox

import (
	"fmt"
	"strings"
)

// normalizeNumber accepts digits with an optional leading +, ignoring
// spaces, dashes, dots and parentheses, 7 to 15 digits, and returns "+digits".
func normalizeNumber(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("number is empty")
	}
	var b strings.Builder
	b.Grow(len(s) + 1)
	b.WriteByte('+')
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("invalid number %q: only digits, an optional leading +, spaces, dashes and parentheses", raw)
		}
	}
	n := b.Len() - 1
	if n < 7 || n > 15 {
		return "", fmt.Errorf("invalid number %q: %d digits, want 7 to 15", raw, n)
	}
	return b.String(), nil
}
