package chatinc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

func TestRetryAfterIsHonoured(t *testing.T) {
	ctx := context.Background()
	for _, ra := range []string{"7", time.Now().Add(7 * time.Second).UTC().Format(http.TimeFormat)} {
		t.Run(ra, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/retrieve/audiences", Kind: "429", Count: 2, RetryAfter: ra}}},
				chatinc.WithRetry(time.Hour, 5))
			if _, err := e.c.RetrieveAudiences(ctx); err != nil {
				t.Fatal(err)
			}
			got := e.clock.Waits()
			if len(got) != 2 {
				t.Fatalf("slept %v, want two waits", got)
			}
			for _, d := range got {
				if d < 5*time.Second {
					t.Fatalf("waited %v, want at least the Retry-After (~7s)", d)
				}
			}
			if n := e.sb.RequestCount("/v1/retrieve/audiences"); n != 3 {
				t.Fatalf("%d requests, want 3", n)
			}
		})
	}
}

func TestServerErrorsRetriedForIdempotentCalls(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/create/audience", Kind: "500", Count: 3}}})
	if _, err := e.c.CreateAudience(context.Background(), chatinc.Audience{ID: "a", Name: "a", Contacts: []chatinc.Contact{{Number: "+27821234567"}}}); err != nil {
		t.Fatal(err)
	}
	if n := e.sb.RequestCount("/v1/create/audience"); n != 4 {
		t.Fatalf("%d requests, want 4 (3 failures + 1 success)", n)
	}
	if got := e.clock.Waits(); len(got) != 3 || !(got[0] < got[2]) {
		t.Fatalf("waits %v: want 3 growing backoff waits", got)
	}
}

func TestRetryBudgetStops(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "*", Kind: "503"}}}, chatinc.WithRetry(time.Hour, 3))
	_, err := e.c.RetrieveAudiences(context.Background())
	if !errors.Is(err, chatinc.ErrServer) || !chatinc.IsTransient(err) || !strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateAndRunAreNeverResent(t *testing.T) {
	ctx := context.Background()
	t.Run("500 on create is returned, not retried", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/create/campaign", Kind: "500", Count: 1}}})
		_, err := e.c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "m"})
		if !errors.Is(err, chatinc.ErrServer) || e.sb.RequestCount("/v1/create/campaign") != 1 {
			t.Fatalf("err %v after %d requests", err, e.sb.RequestCount("/v1/create/campaign"))
		}
	})
	t.Run("dropped create is ambiguous and applied once", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/create/campaign", Kind: "drop", Count: 1}}})
		_, err := e.c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "m"})
		var amb *chatinc.AmbiguousError
		if !errors.As(err, &amb) || !chatinc.IsTransient(err) {
			t.Fatalf("err = %v, want *AmbiguousError", err)
		}
		if n, cs := e.sb.RequestCount("/v1/create/campaign"), e.sb.Campaigns(); n != 1 || len(cs) != 1 {
			t.Fatalf("%d requests, %d campaigns; want 1 and 1", n, len(cs))
		}
	})
	t.Run("dropped run is ambiguous and applied once", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{})
		e.audience(t, "a", "+27821234567")
		camp := e.approvedCampaign(t, "t")
		e.sb.SetFaults([]sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: "drop", Count: 1}})
		_, err := e.c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"a"}})
		var amb *chatinc.AmbiguousError
		if !errors.As(err, &amb) {
			t.Fatalf("err = %v, want *AmbiguousError", err)
		}
		if runs := e.sb.Runs(camp.CampaignID); len(runs) != 1 || e.sb.RequestCount("/v1/run/campaign") != 1 {
			t.Fatalf("runs %v after %d requests; want exactly one", runs, e.sb.RequestCount("/v1/run/campaign"))
		}
	})
	t.Run("429 on run is safe to retry", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{})
		e.audience(t, "a", "+27821234567")
		camp := e.approvedCampaign(t, "t")
		e.sb.SetFaults([]sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: "429", Count: 1, RetryAfter: "1"}})
		if _, err := e.c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"a"}}); err != nil {
			t.Fatal(err)
		}
		if runs := e.sb.Runs(camp.CampaignID); len(runs) != 1 {
			t.Fatalf("runs = %v", runs)
		}
	})
}

func TestHangEndsWithContext(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "*", Kind: "latency", Latency: time.Hour}}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.c.RetrieveAudiences(ctx)
	if err == nil || time.Since(start) > 10*time.Second || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestResetConnectionRetried(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/retrieve/audiences", Kind: "drop", Count: 2}}})
	if _, err := e.c.RetrieveAudiences(context.Background()); err != nil {
		t.Fatalf("idempotent call after two dropped connections: %v", err)
	}
}

// TestCanaryKeyNeverLeaks prints the client every way, makes it fail every
// way and logs at debug level: the key must never show.
func TestCanaryKeyNeverLeaks(t *testing.T) {
	const canary = "CANARY-7f3e9b1c-key"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, url := newEnvURL(t, sandbox.Options{APIKey: "other-key", Faults: []sandbox.Fault{{Endpoint: "/v1/retrieve/campaigns", Kind: "503", Count: 2}}})
	c, err := chatinc.New(url, canary, chatinc.WithLogger(logger), chatinc.WithClock(pipelinetest.NewInstantClock()))
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := chatinc.New("http://127.0.0.1:1", canary, chatinc.WithLogger(logger), chatinc.WithRetry(time.Hour, 2), chatinc.WithClock(pipelinetest.NewInstantClock()))
	var out strings.Builder
	fmt.Fprintf(&out, "%v %+v %#v %s %q\n", c, c, c, c, c)
	logger.Info("client", "client", c)
	ctx := context.Background()
	for _, err := range []error{
		func() error { _, err := c.RetrieveAudiences(ctx); return err }(),
		func() error { _, err := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{}); return err }(),
		func() error { _, err := dead.RetrieveAudiences(ctx); return err }(),
		func() error {
			_, err := dead.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "m"})
			return err
		}(),
		func() error { _, err := c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t"}); return err }(),
	} {
		if err == nil {
			t.Fatal("expected an error")
		}
		fmt.Fprintf(&out, "%v %+v\n", err, err)
		logger.Error("call failed", "err", err)
	}
	if strings.Contains(out.String()+logs.String(), canary) {
		t.Fatalf("the API key leaked:\n%s\n%s", out.String(), logs.String())
	}
}

func newEnvURL(t *testing.T, o sandbox.Options) (*sandbox.Server, string) {
	e := newEnv(t, o)
	return e.sb, e.url
}

func TestRedirectToOtherHostRefused(t *testing.T) {
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("Authorization")
		_, _ = w.Write([]byte("[]"))
	}))
	defer other.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer redirector.Close()
	c, _ := chatinc.New(redirector.URL, "secret-key", chatinc.WithRetry(time.Hour, 1))
	_, err := c.RetrieveAudiences(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refusing redirect") || leaked != "" {
		t.Fatalf("err = %v, other host saw Authorization %q", err, leaked)
	}
}

func TestResponseSizeLimited(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, chatinc.WithMaxResponseBytes(200))
	for i := range 5 {
		e.audience(t, fmt.Sprintf("audience-with-a-long-name-%d", i), "+27821234567")
	}
	if _, err := e.c.RetrieveAudiences(context.Background()); err == nil || !strings.Contains(err.Error(), "size limit") {
		t.Fatalf("err = %v, want the size limit", err)
	}
}

// TestCampaignShapes decodes every shape of the retrieve-campaigns answer the
// API page implies (the sandbox serves only the first).
func TestCampaignShapes(t *testing.T) {
	one := `{"campaignId":"c1","title":"t","whatsAppTemplatesStatus":"APPROVED"}`
	two := `{"campaignId":"c2","title":"u"}`
	cases := map[string]string{
		"array of entries with one campaign": `[{"status":"success","campaigns":` + one + `},{"status":"success","campaigns":` + two + `}]`,
		"array with campaigns array":         `[{"status":"success","campaigns":[` + one + `,` + two + `]}]`,
		"object with campaigns object":       `{"status":"success","campaigns":` + one + `}`,
		"object with campaigns array":        `{"status":"success","campaigns":[` + one + `,` + two + `]}`,
		"bare array of campaigns":            `[` + one + `,` + two + `]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) }))
			defer srv.Close()
			c, _ := chatinc.New(srv.URL, "k")
			got, err := c.RetrieveCampaigns(context.Background(), chatinc.RetrieveCampaignsOptions{})
			if err != nil || len(got) == 0 || got[0].CampaignID != "c1" {
				t.Fatalf("got %+v, %v", got, err)
			}
			if strings.Contains(body, "c2") && len(got) != 2 {
				t.Fatalf("got %d campaigns, want 2", len(got))
			}
		})
	}
}
