package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// TestImportRefusesBadArgumentsUpFront: a FIFO is refused at once (its open
// used to block for ever), and an unknown region or a bad audience id is
// refused before a row is read, saying what is wrong.
func TestImportRefusesBadArgumentsUpFront(t *testing.T) {
	t.Setenv("CHATINC_API_KEY", "")
	_, url := sandboxtest.Start(t, sandbox.Options{})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "upload.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeValidateFile(t, "c.csv", "number\n0821234567\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"FIFO", []string{"--csv", fifo, "--audience", "a"}, "--csv " + fifo + " is a named pipe (FIFO), not a regular file"},
		{"directory", []string{"--csv", dir, "--audience", "a"}, "is a directory, not a regular file"},
		{"device", []string{"--csv", "/dev/zero", "--audience", "a"}, "is a character device"},
		{"unknown region", []string{"--csv", good, "--audience", "a", "--region", "XX"}, `--region "XX" is not a region with phone numbers`},
		{"lower-case region", []string{"--csv", good, "--audience", "a", "--region", "gb"}, `--region "gb" is not a region with phone numbers (write GB)`},
		{"audience with a space", []string{"--csv", good, "--audience", "bad id"}, `--audience: invalid id: a space at byte 3 of "bad id"`},
		{"group with a space", []string{"--csv", good, "--audience", "a", "--variable-group", "my group"}, `--variable-group "my group" must be 1 to 256 letters, digits, _ or -`},
		{"import id with a space", []string{"--csv", good, "--audience", "a", "--id", "my import"}, `--id: invalid id: a space at byte 2`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := execOpsWithin(t, "", append([]string{"import", "--chatinc-url", url}, tc.args...)...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) || strings.Contains(r.err.Error(), "stopped at row") {
				t.Errorf("err %v; want it to say %q", r.err, tc.want)
			}
		})
	}
}

// blockingStdin gives a CSV header, then blocks (like a terminal nobody
// types into) until released; headerRead is closed once the header is out.
type blockingStdin struct {
	once       sync.Once
	sent       bool
	headerRead chan struct{}
	release    chan struct{}
}

func (b *blockingStdin) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "number\n"), nil
	}
	b.once.Do(func() { close(b.headerRead) })
	<-b.release
	return 0, context.Canceled
}

// TestImportStopsAtTheFirstSignal: cancelling the command's context (what
// the first SIGINT or SIGTERM does) stops an import whose standard input
// is blocked, and the error says how far it got and that rerunning is safe.
func TestImportStopsAtTheFirstSignal(t *testing.T) {
	t.Setenv("CHATINC_API_KEY", "")
	_, url := sandboxtest.Start(t, sandbox.Options{})
	stdin := &blockingStdin{headerRead: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(stdin.release) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stdin.headerRead
		cancel() // the first signal
	}()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(stdin)
	root.SetArgs([]string{"import", "--csv", "-", "--audience", "vip", "--chatinc-url", url})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "import: interrupted at row") ||
			!strings.Contains(err.Error(), `stay in audience "vip"; rerunning is safe`) {
			t.Fatalf("err %v; want it to say the import was interrupted, where, and that rerunning is safe", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("import did not stop within 20s of its context being cancelled")
	}
}
