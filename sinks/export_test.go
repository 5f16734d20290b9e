package sinks

import "time"

// WithCrashHook calls fn at each step of a commit ("sealed": files fsynced
// under .ready names; "recorded": the commit record is durable; "renamed":
// files have their final names, messages not yet acked), so that a test can
// kill the process exactly there.
func WithCrashHook(fn func(point string)) FileSinkOption { return func(f *FileSink) { f.crash = fn } }

// WithBlobCrashHook calls fn at each step of a blob commit ("intent": the
// range and object names are in the state key; "uploaded": the first object
// is uploaded; "recorded": every object and its commit record are there;
// "committed": the state key says committed, messages not yet acked).
func WithBlobCrashHook(fn func(point string)) BlobSinkOption {
	return func(s *BlobSink) { s.crash = fn }
}

// BlobState is the value of an output's state key.
type BlobState = blobState

// WithoutDriver makes scheme's driver count as not built until the test ends.
func WithoutDriver(t interface{ Cleanup(func()) }, scheme string) {
	was := schemeBuilt
	schemeBuilt = func(s string) bool { return s != scheme && was(s) }
	t.Cleanup(func() { schemeBuilt = was })
}

// RedactErr is err's message with the secrets of the URL raw masked.
func RedactErr(err error, raw string) string { return redactErr(err, raw) }

// WithFetchWait makes the file sink's fetches wait d for a first message.
func WithFetchWait(d time.Duration) FileSinkOption { return func(f *FileSink) { f.fetchWait = d } }
