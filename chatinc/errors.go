package chatinc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Sentinel errors; an *APIError or *ValidationError matches them with errors.Is.
var (
	ErrUnauthorized        = errors.New("chatinc: unauthorized")
	ErrNotFound            = errors.New("chatinc: not found")
	ErrValidation          = errors.New("chatinc: validation failed")
	ErrRateLimited         = errors.New("chatinc: rate limited")
	ErrTemplateNotApproved = errors.New("chatinc: template not approved")
	ErrTooLarge            = errors.New("chatinc: request too large")
	ErrServer              = errors.New("chatinc: server error")
)

// APIError is an error answer from Chat Inc.
type APIError struct {
	Endpoint   string        // e.g. "/v1/run/campaign"
	StatusCode int           // HTTP status
	Code       string        // the body's "code", when given
	Message    string        // the body's "error", or the body itself
	RetryAfter time.Duration // from Retry-After on 429 and 503
}

func (e *APIError) Error() string {
	return fmt.Sprintf("chatinc: %s: %d %s: %s", e.Endpoint, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// Is matches the sentinel errors by status and code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrTemplateNotApproved:
		return e.Code == "template_not_approved" || (e.StatusCode == http.StatusConflict && e.Code == "")
	case ErrTooLarge:
		return e.StatusCode == http.StatusRequestEntityTooLarge
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// ValidationError is a request the client refused to send.
type ValidationError struct {
	Field string // e.g. "buttons[1].url"
	Rule  string // what is wrong and how to fix it
}

func (e *ValidationError) Error() string { return "chatinc: " + e.Field + ": " + e.Rule }

// Is makes a *ValidationError match ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Rule: fmt.Sprintf(format, args...)}
}

// AmbiguousError says that a non-idempotent request (create or run a
// campaign) was sent but no answer came back: it may or may not have taken
// effect. Look before you send it again.
type AmbiguousError struct {
	Endpoint string
	Err      error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("chatinc: %s: outcome unknown, the request was sent but no answer came back (%v); check Chat Inc before sending it again", e.Endpoint, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// IsTransient reports whether err is worth retrying later: network errors,
// timeouts, 429, 5xx and ambiguous outcomes (after reconciling).
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var amb *AmbiguousError
	if errors.As(err, &amb) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500
	}
	if errors.Is(err, ErrValidation) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	return errors.As(err, &ue)
}

// RetryAfter returns the wait Chat Inc asked for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return 0, false
}
