package handlers

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sources"
)

// TestClassify: what each error a handler can return means for its message.
func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		want pipeline.Class
	}{
		{&events.ValidationError{Event: "send-promo", Problems: []events.Problem{{Path: "title", Reason: "is required"}}}, pipeline.ClassValidation},
		{fmt.Errorf("open: %w", sources.ErrLocationRefused), pipeline.ClassValidation},
		{&chatinc.ValidationError{Field: "f", Rule: "r"}, pipeline.ClassValidation},
		{&chatinc.APIError{StatusCode: 400}, pipeline.ClassValidation},
		{&chatinc.APIError{StatusCode: 404}, pipeline.ClassPermanent},
		{&chatinc.APIError{StatusCode: 413}, pipeline.ClassPermanent},
		{&chatinc.APIError{StatusCode: 401}, pipeline.ClassTransient},
		{&chatinc.APIError{StatusCode: 409, Code: "template_not_approved"}, pipeline.ClassTransient},
		{&chatinc.APIError{StatusCode: 429}, pipeline.ClassTransient},
		{&chatinc.APIError{StatusCode: 502}, pipeline.ClassTransient},
		{&chatinc.AmbiguousError{Endpoint: "/v1/run/campaign", Err: errors.New("EOF")}, pipeline.ClassTransient},
		{context.DeadlineExceeded, pipeline.ClassTransient},
		{pipeline.Permanent(&chatinc.APIError{StatusCode: 503}), pipeline.ClassPermanent}, // a mark is kept
		{errors.New("unknown"), pipeline.ClassTransient},
	}
	for _, tc := range cases {
		if got := pipeline.ClassOf(classify(tc.err)); got != tc.want {
			t.Errorf("classify(%v) is %v, want %v", tc.err, got, tc.want)
		}
	}
	if d := pipeline.RetryAfterOf(classify(&chatinc.APIError{StatusCode: 429, RetryAfter: 3 * time.Second})); d != 3*time.Second {
		t.Errorf("RetryAfterOf = %v", d)
	}
}

// TestClassifySuccessAllocatesNothing: every handled event goes through
// classify and pipeline.ClassOf with a nil error; that costs no allocation.
func TestClassifySuccessAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		if classify(nil) != nil || pipeline.ClassOf(nil) != pipeline.ClassTransient {
			t.Fatal("nil is not success")
		}
	}); n != 0 {
		t.Fatalf("classify(nil) and ClassOf(nil): %v allocations", n)
	}
}
