package main

import (
	"strings"
	"testing"
)

// TestShownIDEscapesBadBytes: an event id fit for the dlq table: valid ids
// as they are, others quoted, with no raw 0xff (text/tabwriter's escape
// byte) or control byte left to break the table.
func TestShownIDEscapesBadBytes(t *testing.T) {
	for id, want := range map[string]string{
		"seg-1":     "seg-1",
		"":          "",
		"hdr\xffid": `"hdr\xffid"`,
		"has space": `"has space"`,
		"tab\tid":   `"tab\tid"`,
	} {
		got := shownID(id)
		if got != want {
			t.Errorf("shownID(%q) = %q, want %q", id, got, want)
		}
		if strings.IndexByte(got, 0xff) >= 0 || strings.ContainsAny(got, "\t\n") {
			t.Errorf("shownID(%q) = %q keeps a byte that breaks the table", id, got)
		}
	}
}
