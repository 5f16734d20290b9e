package config_test

import (
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

func TestNotesNameHandlersThatNeverRun(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		concurrency, maxAckPending int
		want                       string
	}{
		{"default", 0, 256, ""},
		{"equal", 256, 256, ""},
		{"more handlers than events handed out", 512, 256,
			"consumer.concurrency: 512 is more than consumer.max_ack_pending (256): the server hands out at most 256 unacknowledged events, so 256 handlers never run; raise consumer.max_ack_pending to 1024"},
		{"the most handlers", 4096, 100, "so 3996 handlers never run; raise consumer.max_ack_pending to 8192 (twice the handlers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			c.Consumer.Concurrency, c.Consumer.MaxAckPending = tc.concurrency, tc.maxAckPending
			notes := c.Notes()
			if tc.want == "" {
				if len(notes) != 0 {
					t.Fatalf("notes %q, want none", notes)
				}
				return
			}
			if len(notes) != 1 || !strings.Contains(notes[0], tc.want) {
				t.Fatalf("notes %q, want one containing %q", notes, tc.want)
			}
			if p := c.Validate(); len(p) != 0 {
				t.Errorf("a note is not a problem: Validate() = %q", p)
			}
		})
	}
}
