package bench

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// chatIncTarget is where the Chat Inc benchmarks send: a sandbox started
// here on loopback, or one already running (e.g. `campaignflow sim`).
type chatIncTarget struct {
	url, key string
	inProc   bool
	sim      *sandbox.Running
}

func startTarget(url, key string) (*chatIncTarget, error) {
	if url != "" {
		if key == "" {
			key = "bench"
		}
		return &chatIncTarget{url: url, key: key}, nil
	}
	sim, err := sandbox.Start("127.0.0.1:0", sandbox.Options{})
	if err != nil {
		return nil, err
	}
	return &chatIncTarget{url: sim.URL, key: "bench", inProc: true, sim: sim}, nil
}

func (t *chatIncTarget) close() {
	if t.sim != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = t.sim.Close(ctx)
	}
}

func (t *chatIncTarget) where() string {
	if t.inProc {
		return "Chat Inc sandbox in this process on " + t.url
	}
	return "Chat Inc at " + t.url + " (external: when it runs in another process, its memory and CPU are not counted here)"
}

// client is the real chatinc client with the rate limit off (the sandbox
// is local; production runs with the configured limit).
func (t *chatIncTarget) client() (*chatinc.Client, error) {
	return chatinc.New(t.url, t.key, chatinc.WithRateLimit(rate.Inf, 0))
}

// audienceSize asks Chat Inc for the size of an audience (over HTTP, so it
// works for a sandbox in another process too).
func audienceSize(ctx context.Context, c *chatinc.Client, id string) (int, error) {
	infos, err := c.RetrieveAudiences(ctx)
	if err != nil {
		return 0, fmt.Errorf("bench: retrieving audiences: %w", err)
	}
	for _, a := range infos {
		if a.ID == id {
			return a.Size, nil
		}
	}
	return 0, fmt.Errorf("bench: audience %q is not in Chat Inc", id)
}

// uniqueID names an audience so repeated runs against one sandbox never
// merge into an earlier run's audience.
func uniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}
