package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }

// startJetStream runs an in-process nats-server with JetStream
// (sources/natstest) and returns a JetStream context on it.
func startJetStream(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	_, url := natstest.RunJetStream(tb)
	return natstest.JetStream(tb, url)
}

type env struct {
	sb     *sandbox.Server
	client *chatinc.Client
	ledger *Ledger
}

func newEnv(tb testing.TB, opts ...Option) *env { tb.Helper(); return newEnvClock(tb, false, opts...) }

// newSimEnv is newEnv with the ledger on the sandbox's simulated clock.
func newSimEnv(tb testing.TB, opts ...Option) *env {
	tb.Helper()
	return newEnvClock(tb, true, opts...)
}

func newEnvClock(tb testing.TB, sim bool, opts ...Option) *env {
	tb.Helper()
	ctx := context.Background()
	js := startJetStream(tb)
	kv, err := openBucket(ctx, js)
	if err != nil {
		tb.Fatal(err)
	}
	sb, url := sandboxtest.Start(tb, sandbox.Options{ApproveAfter: time.Second})
	c, err := chatinc.New(url, "test-key", chatinc.WithClock(sandboxtest.Clock{Sandbox: sb}))
	if err != nil {
		tb.Fatal(err)
	}
	if sim {
		opts = append([]Option{WithClock(sandboxtest.Clock{Sandbox: sb})}, opts...)
	}
	return &env{sb: sb, client: c, ledger: New(kv, opts...)}
}

func promoRequest(title string) chatinc.CreateCampaignRequest {
	return chatinc.CreateCampaignRequest{Title: title, Message: "Hello there",
		Options: chatinc.CampaignOptions{LanguageCode: "enUS", WhatsAppTemplateType: "MARKETING"}}
}

// openBucket creates a ledger bucket as the topology does.
func openBucket(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	return js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "campaignflow_ledger", History: 1})
}
