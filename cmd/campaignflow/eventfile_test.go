package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// execOpsWithin is execOps that fails the test, instead of hanging it, when
// the command has not returned within 20s (a read of a FIFO or of /dev/zero
// with no check never returns).
func execOpsWithin(t *testing.T, stdin string, args ...string) opsResult {
	t.Helper()
	done := make(chan opsResult, 1)
	go func() { done <- execOps(t, stdin, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("campaignflow %s did not return within 20s", strings.Join(args, " "))
		return opsResult{}
	}
}

// TestFilesThatAreNotFilesOrTooLargeAreRefused: validate, publish --file and
// config loading refuse a FIFO, a device and a directory before reading (a
// read of /dev/zero used to grow without end), and a file or standard input
// larger than an event (1 MiB) or a config file can be.
func TestFilesThatAreNotFilesOrTooLargeAreRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "promo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, []byte(`{"event_id":"e1"}`+strings.Repeat(" ", 2<<20)), 0o600); err != nil {
		t.Fatal(err)
	}
	hugeYAML := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(hugeYAML, []byte("log: {level: info}\n"+strings.Repeat("# padding\n", 200<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	const tooLarge = "is larger than 1 MiB, the largest event NATS accepts"
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"validate /dev/zero", "", []string{"validate", "event", "send-promo", "/dev/zero"}, "/dev/zero is a character device, not a regular file"},
		{"validate FIFO", "", []string{"validate", "event", "send-promo", fifo}, "is a named pipe (FIFO), not a regular file"},
		{"validate directory", "", []string{"validate", "event", "send-promo", dir}, "is a directory, not a regular file"},
		{"validate large file", "", []string{"validate", "event", "send-promo", huge}, huge + " " + tooLarge},
		{"validate large stdin", strings.Repeat(" ", 2<<20), []string{"validate", "event", "send-promo", "-"}, "standard input " + tooLarge},
		{"publish /dev/zero", "", []string{"publish", "send-promo", "--file", "/dev/zero", "--nats-url", "nats://127.0.0.1:1"}, "/dev/zero is a character device"},
		{"publish FIFO", "", []string{"publish", "send-promo", "--file", fifo, "--nats-url", "nats://127.0.0.1:1"}, "named pipe (FIFO)"},
		{"publish large file", "", []string{"publish", "send-promo", "--file", huge, "--nats-url", "nats://127.0.0.1:1"}, tooLarge},
		{"publish large stdin", strings.Repeat(" ", 2<<20), []string{"publish", "send-promo", "--file", "-", "--nats-url", "nats://127.0.0.1:1"}, "standard input " + tooLarge},
		{"config FIFO", "", []string{"validate", "--config", fifo, "--ignore-env"}, "is a named pipe (FIFO), not a regular file"},
		{"config /dev/zero", "", []string{"validate", "--config", "/dev/zero", "--ignore-env"}, "/dev/zero is a character device"},
		{"config large file", "", []string{"validate", "--config", hugeYAML, "--ignore-env"}, "is larger than 1 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := execOpsWithin(t, tc.stdin, tc.args...)
			out := r.stderr
			if r.err != nil {
				out += r.err.Error()
			}
			if r.code() != 1 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want 1 and %q in:\n%s", r.code(), tc.want, out)
			}
		})
	}
}
