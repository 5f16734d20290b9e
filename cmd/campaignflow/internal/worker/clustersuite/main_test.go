//go:build clustersuite

package clustersuite

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, natstest.LeakOptions(
		// a connection's read loop may still be unwinding when the test ends
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)...)
}
