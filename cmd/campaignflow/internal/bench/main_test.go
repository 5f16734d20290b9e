package bench_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/sources/natstest"
)

// TestMain fails the package when a measurement leaves a goroutine behind
// (nats-server, consumers, HTTP servers and clients are all started here).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }
