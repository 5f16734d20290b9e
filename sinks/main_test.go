package sinks_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }
