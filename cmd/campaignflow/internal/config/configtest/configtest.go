// Package configtest holds the worker config integration tests start from.
package configtest

import (
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

// Worker is the defaults tuned for an integration test: NATS at
// natsURL, Chat Inc with apiKey (its URL is the test's sandbox, set by the
// caller) at a fixed 2000 calls/s, fast retries and simulated result time, CSV files allowed under
// dir, short ack wait and grace, worker id w1.
func Worker(natsURL, apiKey, dir string) *config.Config {
	cfg := config.Defaults()
	cfg.NATS.URL = natsURL
	cfg.ChatInc.APIKey = apiKey
	// A fixed, high rate: tests of flow control set their own.
	cfg.ChatInc.FlowControl, cfg.ChatInc.RateLimit, cfg.ChatInc.RateBurst = "fixed", 2000, 200
	cfg.ChatInc.RetryMaxElapsed = 10 * time.Second
	cfg.Results.TimeScale = 3600
	cfg.CSV.AllowedDirs = []string{dir}
	cfg.Consumer.AckWait = 6 * time.Second
	cfg.Consumer.Grace = 5 * time.Second
	cfg.WorkerID = "w1"
	return &cfg
}
