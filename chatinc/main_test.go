package chatinc_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// env is a sandbox plus a client talking to it over loopback HTTP.
type env struct {
	sb    *sandbox.Server
	url   string
	c     *chatinc.Client
	clock *pipelinetest.InstantClock // waits return at once, recorded
}

func newEnv(t testing.TB, sopts sandbox.Options, copts ...chatinc.Option) *env {
	t.Helper()
	sb, url := sandboxtest.Start(t, sopts)
	clock := pipelinetest.NewInstantClock()
	opts := append([]chatinc.Option{chatinc.WithClock(clock), chatinc.WithRateLimit(1e6, 1e6)}, copts...)
	key := sopts.APIKey
	if key == "" {
		key = "test-key"
	}
	c, err := chatinc.New(url, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, url: url, c: c, clock: clock}
}

// approvedCampaign creates a campaign and moves the sandbox past approval.
func (e *env) approvedCampaign(t testing.TB, title string) *chatinc.Campaign {
	t.Helper()
	c, err := e.c.CreateCampaign(context.Background(), chatinc.CreateCampaignRequest{Title: title, Message: "Hello there"})
	if err != nil {
		t.Fatal(err)
	}
	e.sb.Advance(time.Hour)
	return c
}

func (e *env) audience(t testing.TB, id string, numbers ...string) {
	t.Helper()
	cs := make([]chatinc.Contact, len(numbers))
	for i, n := range numbers {
		cs[i] = chatinc.Contact{Number: n}
	}
	if _, err := e.c.CreateAudience(context.Background(), chatinc.Audience{ID: id, Name: id, Contacts: cs}); err != nil {
		t.Fatal(err)
	}
}
