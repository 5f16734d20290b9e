package pipeline

import (
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// TestReplayIDIsAlwaysAValidID: a replay's message id is valid whatever
// the original was, so that a dead letter whose Nats-Msg-Id was the
// problem does not come straight back, and replays of replays do not grow.
func TestReplayIDIsAlwaysAValidID(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"seg-1", "seg-1-replay-7"},
		{"seg-1-replay-3", "seg-1-replay-7"},
		{"", "event-replay-7"},
		{"has space", "has=20space-replay-7"},
		{"hdr\xffid", "hdr=FFid-replay-7"},
		{strings.Repeat("x", ids.MaxLen), strings.Repeat("x", ids.MaxLen-len("-replay-7")) + "-replay-7"},
	} {
		got := replayID(tc.id, 7)
		if got != tc.want {
			t.Errorf("replayID(%q) = %q, want %q", tc.id, got, tc.want)
		}
		if err := ids.Check(got); err != nil {
			t.Errorf("replayID(%q) = %q: %v", tc.id, got, err)
		}
	}
}
