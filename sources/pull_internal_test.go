package sources

import "testing"

// TestPullAndInFlightStayUnderMaxAckPending: a pull is half of
// MaxAckPending (at most maxPull), and the messages taken besides it keep
// the server under MaxAckPending, but for tiny limits.
func TestPullAndInFlightStayUnderMaxAckPending(t *testing.T) {
	for _, tc := range []struct {
		maxAckPending, handlers int
		pull, inFlight          int
	}{
		{256, 64, 128, 126}, // the defaults: a quarter of max_ack_pending handles
		{256, 256, 128, 126},
		{200, 300, 100, 98},
		{10000, 2500, 128, 5000},
		{10, 2, 5, 3},
		{2, 1, 1, 2}, // nothing left under the limit: the server's limit bounds
		{1, 1, 1, 1},
		{-1, 16, 128, 32}, // no limit
	} {
		pull := pullBatch(tc.maxAckPending)
		inFlight := inFlightLimit(tc.maxAckPending, pull, tc.handlers)
		if pull != tc.pull || inFlight != tc.inFlight {
			t.Errorf("MaxAckPending %d, %d handlers: pull %d, in flight %d; want %d and %d",
				tc.maxAckPending, tc.handlers, pull, inFlight, tc.pull, tc.inFlight)
		}
		if tc.maxAckPending > 2 && pull+inFlight+2 > tc.maxAckPending {
			t.Errorf("MaxAckPending %d: a pull (%d) and %d in flight and the reader's reach it", tc.maxAckPending, pull, inFlight)
		}
	}
}
