package ids_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		id   string
		want string // "" means valid
	}{
		{"bf-2026", ""},
		{"a.b:c*d>e/f=g", ""},
		{strings.Repeat("x", ids.MaxLen), ""},
		{"", "empty"},
		{strings.Repeat("x", ids.MaxLen+1), "257 bytes"},
		{"has space", "a space at byte 3"},
		{"tab\there", "byte 0x09 at byte 3"},
		{"caf\u00e9", "non-ASCII 'é' at byte 3"},
		{"bad\xffutf8", "invalid UTF-8 (byte 0xff) at byte 3"},
		{"vip\ufffd", "U+FFFD (invalid UTF-8 in the event, or a replacement character) at byte 3"},
		{"nul\x00", "byte 0x00 at byte 3"},
	}
	for _, tc := range cases {
		err := ids.Check(tc.id)
		if tc.want == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v, want ok", tc.id, err)
			}
			continue
		}
		if !errors.Is(err, ids.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%q) = %v, want ErrInvalid naming %q", tc.id, err, tc.want)
		}
		if len(err.Error()) > 300 {
			t.Errorf("Check(%q) message is %d bytes", tc.id[:10], len(err.Error()))
		}
	}
}

// kvKeyToken is what a NATS KV key token and a subject token may hold.
var kvKeyToken = regexp.MustCompile(`^[-/_=a-zA-Z0-9]+$`)

func TestTokenKeepsSafeIDsAndEscapesTheRest(t *testing.T) {
	for in, want := range map[string]string{
		"bf-2026":  "bf-2026",
		"a.b":      "a=2Eb",
		"x*>:y":    "x=2A=3E=3Ay",
		"k=v":      "k=3Dv",
		"":         "=",
		"dir/file": "dir/file",
	} {
		if got := ids.Token(in); got != want {
			t.Errorf("Token(%q) = %q, want %q", in, got, want)
		}
		if back, ok := ids.Untoken(ids.Token(in)); !ok || back != in {
			t.Errorf("Untoken(Token(%q)) = %q, %v", in, back, ok)
		}
	}
	long := ids.Token(strings.Repeat(".", 10_000))
	if len(long) > 40 || !kvKeyToken.MatchString(long) {
		t.Fatalf("Token of 10 KB = %q", long)
	}
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"bf-2026", "a.b", "=41", "=H00", "\xff", strings.Repeat("é", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := ids.Token(s)
		if !kvKeyToken.MatchString(tok) {
			t.Fatalf("Token(%q) = %q is not a valid token", s, tok)
		}
		if len(tok) > 3*ids.MaxLen {
			t.Fatalf("Token(%q) is %d bytes", s, len(tok))
		}
		if ids.Check(s) == nil {
			back, ok := ids.Untoken(tok)
			if !ok || back != s {
				t.Fatalf("Untoken(Token(%q)) = %q, %v", s, back, ok)
			}
		}
	})
}
