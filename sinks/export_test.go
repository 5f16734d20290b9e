package sinks

// WithCrashHook calls fn at each step of a commit ("sealed": files fsynced
// under .ready names; "recorded": the commit record is durable; "renamed":
// files have their final names, messages not yet acked), so that a test can
// kill the process exactly there.
func WithCrashHook(fn func(point string)) FileSinkOption { return func(f *FileSink) { f.crash = fn } }
