package chatinc_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// retrySeen is one call of the retry observer.
type retrySeen struct {
	endpoint string
	attempt  uint
	wait     time.Duration
	status   int // the failure's HTTP status (0: not an *APIError)
}

type retryLog struct {
	mu   sync.Mutex
	seen []retrySeen
}

func (l *retryLog) observe(endpoint string, attempt uint, wait time.Duration, err error) {
	s := retrySeen{endpoint: endpoint, attempt: attempt, wait: wait}
	var ae *chatinc.APIError
	if errors.As(err, &ae) {
		s.status = ae.StatusCode
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, s)
}

func (l *retryLog) all() []retrySeen {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

// TestRetryObserverSeesExactlyTheRetriesMade injects 429/503/500 faults in
// the real sandbox and checks the observer is told of every retry the client
// made, no more: one call per wait it slept, with that wait (Retry-After
// included), the failed try's number and its status; and none for a failure
// that ends the call.
func TestRetryObserverSeesExactlyTheRetriesMade(t *testing.T) {
	const audiences = "/v1/retrieve/audiences"
	retrieve := func(c *chatinc.Client) error { _, err := c.RetrieveAudiences(context.Background()); return err }
	tests := []struct {
		name        string
		faults      []sandbox.Fault
		maxAttempts uint
		call        func(*chatinc.Client) error
		endpoint    string
		wantErr     bool
		wantStatus  []int
		minWait     time.Duration // every wait at least (the Retry-After)
	}{
		{name: "no fault, no retry", call: retrieve, endpoint: audiences},
		{name: "429 twice with Retry-After", faults: []sandbox.Fault{{Endpoint: audiences, Kind: "429", Count: 2, RetryAfter: "7"}},
			call: retrieve, endpoint: audiences, wantStatus: []int{429, 429}, minWait: 7 * time.Second},
		{name: "503 three times on an idempotent create", faults: []sandbox.Fault{{Endpoint: "/v1/create/audience", Kind: "503", Count: 3}},
			call: func(c *chatinc.Client) error {
				_, err := c.CreateAudience(context.Background(), chatinc.Audience{ID: "a", Name: "a", Contacts: []chatinc.Contact{{Number: "+27821234567"}}})
				return err
			}, endpoint: "/v1/create/audience", wantStatus: []int{503, 503, 503}},
		{name: "503 until the budget is spent", faults: []sandbox.Fault{{Endpoint: "*", Kind: "503"}}, maxAttempts: 3,
			call: retrieve, endpoint: audiences, wantErr: true, wantStatus: []int{503, 503}},
		{name: "500 on create campaign is not retried", faults: []sandbox.Fault{{Endpoint: "/v1/create/campaign", Kind: "500", Count: 1}},
			call: func(c *chatinc.Client) error {
				_, err := c.CreateCampaign(context.Background(), chatinc.CreateCampaignRequest{Title: "t", Message: "m"})
				return err
			}, endpoint: "/v1/create/campaign", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &retryLog{}
			maxAttempts := tt.maxAttempts
			if maxAttempts == 0 {
				maxAttempts = 5
			}
			e := newEnv(t, sandbox.Options{Faults: tt.faults}, chatinc.WithRetry(time.Hour, maxAttempts), chatinc.WithRetryObserver(log.observe))
			if err := tt.call(e.c); (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			seen, slept := log.all(), e.clock.Waits()
			if len(seen) != len(slept) {
				t.Fatalf("observer saw %d retries %+v, client slept %d times %v", len(seen), seen, len(slept), slept)
			}
			if n := e.sb.RequestCount(tt.endpoint); n != len(seen)+1 {
				t.Fatalf("%d requests to %s, observer saw %d retries; want requests = retries + 1", n, tt.endpoint, len(seen))
			}
			var statuses []int
			for i, s := range seen {
				statuses = append(statuses, s.status)
				if s.endpoint != tt.endpoint || s.attempt != uint(i+1) || s.wait != slept[i] || s.wait < tt.minWait {
					t.Errorf("retry %d: %+v; want endpoint %s, attempt %d, wait %v (slept) >= %v", i+1, s, tt.endpoint, i+1, slept[i], tt.minWait)
				}
			}
			if !slices.Equal(statuses, tt.wantStatus) {
				t.Errorf("retried after statuses %v, want %v", statuses, tt.wantStatus)
			}
		})
	}
}
