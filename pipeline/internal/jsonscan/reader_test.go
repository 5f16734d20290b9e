package jsonscan

import (
	"slices"
	"testing"
)

// TestReader reads an object of every kind of member: plain strings come
// back as they are, other values are skipped or returned raw; escapes and
// invalid UTF-8 are not plain; a syntax error anywhere is not ok.
func TestReader(t *testing.T) {
	body := []byte(` {"s":"héllo", "n":-1.5e3, "o":{"a":[true,null]}, "l":["x","y"], "e":{}} `)
	r := NewReader(body)
	var keys, list []string
	var s, raw string
	ok := r.Object(func(key []byte) bool {
		keys = append(keys, string(key))
		switch string(key) {
		case "s":
			b, ok := r.String()
			s = string(b)
			return ok
		case "o":
			b, ok := r.Raw()
			raw = string(b)
			return ok
		case "l":
			return r.Array(func() bool {
				b, ok := r.String()
				list = append(list, string(b))
				return ok
			})
		}
		return r.Skip()
	}) && r.End()
	if !ok || !slices.Equal(keys, []string{"s", "n", "o", "l", "e"}) || s != "héllo" || raw != `{"a":[true,null]}` || !slices.Equal(list, []string{"x", "y"}) {
		t.Fatalf("ok %v, keys %q, s %q, raw %q, list %q", ok, keys, s, raw, list)
	}

	for _, bad := range []string{`"a\"b"`, `"a\u0062"`, "\"\xff\"", "\"a\x01\"", `1`, `"open`} {
		r := NewReader([]byte(bad))
		if b, ok := r.String(); ok {
			t.Errorf("String(%q) = %q, ok: want not plain", bad, b)
		}
	}
	for _, bad := range []string{`{"a":1,}`, `{"a" 1}`, `{"a":01}`, `{"a":[1,]}`, `{"a":1}}`, `{"a":tru}`} {
		r := NewReader([]byte(bad))
		if r.Object(func([]byte) bool { return r.Skip() }) && r.End() {
			t.Errorf("%s read as valid", bad)
		}
	}
}

func TestMayMatch(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{{"event_id", true}, {"Event_ID", true}, {"eventid", false}, {"data", false}, {"ſpecversion", true}, {"id", false}} {
		if got := MayMatch([]byte(tc.key), "event_id", "specversion"); got != tc.want {
			t.Errorf("MayMatch(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}
