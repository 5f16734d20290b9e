package pipeline

import (
	"errors"
	"time"
)

// Class is what a handler's error means for its message.
type Class int

// Classes, as the Campaignflow-Error-Class header spells them.
const (
	ClassTransient  Class = iota // try again later (NakWithDelay)
	ClassValidation              // the event breaks the contract: dead letter now
	ClassPermanent               // will never work as it is: dead letter now
	ClassDecode                  // not an event at all: dead letter now
	ClassExhausted               // transient until the last allowed delivery
)

func (c Class) String() string {
	switch c {
	case ClassValidation:
		return "validation"
	case ClassPermanent:
		return "permanent"
	case ClassDecode:
		return "decode"
	case ClassExhausted:
		return "exhausted"
	}
	return "transient"
}

type classified struct {
	class      Class
	err        error
	retryAfter time.Duration
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// Validation marks err as a contract violation of the event: dead letter, no retry.
func Validation(err error) error { return &classified{class: ClassValidation, err: err} }

// Permanent marks err as permanent: dead letter, no retry.
func Permanent(err error) error { return &classified{class: ClassPermanent, err: err} }

// Transient marks err as worth retrying, after at least retryAfter.
func Transient(err error, retryAfter time.Duration) error {
	return &classified{class: ClassTransient, err: err, retryAfter: retryAfter}
}

// ErrDecode is wrapped by errors of undecodable events.
var ErrDecode = errors.New("pipeline: cannot decode event")

// Classified reports whether err carries a class mark (Validation,
// Permanent, Transient) somewhere in its chain.
func Classified(err error) bool {
	var c *classified
	return errors.As(err, &c)
}

// ClassOf classifies a handler's error: an explicit mark wins (handlers mark
// what they know, e.g. Chat Inc's errors); an undecodable event is decode;
// anything else, cancellations included, is transient until the last
// delivery.
func ClassOf(err error) Class {
	if err == nil {
		return ClassTransient // as below, without the heap target of errors.As
	}
	var c *classified
	if errors.As(err, &c) {
		return c.class
	}
	if errors.Is(err, ErrDecode) {
		return ClassDecode
	}
	return ClassTransient
}

// RetryAfterOf is the least wait a transient error asks for (0 if none).
func RetryAfterOf(err error) time.Duration {
	var c *classified
	if errors.As(err, &c) && c.retryAfter > 0 {
		return c.retryAfter
	}
	return 0
}
