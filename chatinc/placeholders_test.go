package chatinc_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc"
)

func TestPlaceholders(t *testing.T) {
	cases := []struct {
		msg  string
		want []chatinc.Placeholder
	}{
		{"My message {}", nil},
		{"Hi {users.first_name} {users.last-name}!", []chatinc.Placeholder{{"users", "first_name"}, {"users", "last-name"}}},
		{"{a.b.c} {x}", nil},
		{"{{g.f}}", []chatinc.Placeholder{{"g", "f"}}},
	}
	for _, tc := range cases {
		if got := chatinc.Placeholders(tc.msg); !slices.Equal(got, tc.want) {
			t.Errorf("Placeholders(%q) = %v, want %v", tc.msg, got, tc.want)
		}
	}
}

var ident = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func FuzzPlaceholders(f *testing.F) {
	for _, s := range []string{"My message {}", "Hi {users.first_name}", "{a.b}{c.d}", "{", "}{.}", "{é.x}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, p := range chatinc.Placeholders(msg) {
			if !ident.MatchString(p.Group) || !ident.MatchString(p.Field) {
				t.Fatalf("placeholder %+v has characters outside [A-Za-z0-9_-]", p)
			}
			if !strings.Contains(msg, "{"+p.Group+"."+p.Field+"}") {
				t.Fatalf("placeholder %+v is not in %q", p, msg)
			}
		}
		_ = chatinc.ValidateMessage(msg) // must not panic
	})
}
