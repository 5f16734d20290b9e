package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/sources/natstest"
)

// TestMain fails the package when a test leaves a goroutine behind (the
// commands start NATS connections and HTTP clients).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }
