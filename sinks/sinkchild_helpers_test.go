package sinks_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// childEnv is what a sink running as a child process (for the crash tests)
// reads from its environment: the JetStream at SINK_NATS_URL, the roll size
// SINK_ROLL_SIZE, and a crash hook that SIGKILLs the process at the commit
// step SINK_CRASH_AT.
type childEnv struct {
	js       jetstream.JetStream
	rollSize int64
	format   string
	crash    func(point string)
}

// childSetup is the child's environment, or false when the test runs
// directly (not as the child the variable gate marks).
func childSetup(t *testing.T, gate string) (childEnv, bool) {
	if os.Getenv(gate) != "1" {
		return childEnv{}, false
	}
	nc, err := nats.Connect(os.Getenv("SINK_NATS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	rollSize, _ := strconv.ParseInt(os.Getenv("SINK_ROLL_SIZE"), 10, 64)
	crashAt := os.Getenv("SINK_CRASH_AT")
	return childEnv{js: js, rollSize: rollSize, format: os.Getenv("SINK_FORMAT"), crash: func(point string) {
		if point == crashAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}}, true
}

// runChild runs the child's sink until its parent kills it (or 60s pass).
func runChild(t *testing.T, run func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		t.Fatal(err)
	}
}

// sinkChild is a sink test running as a child process.
type sinkChild struct {
	cmd    *exec.Cmd
	out    strings.Builder
	exited chan error
}

// startChild runs the test named test of this binary as a child process
// with env added to this one's.
func startChild(t *testing.T, test string, env ...string) *sinkChild {
	t.Helper()
	c := &sinkChild{cmd: exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1"), exited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	return c
}

// kill SIGKILLs the child.
func (c *sinkChild) kill() { _ = c.cmd.Process.Signal(syscall.SIGKILL) }

// waitKilled waits (at most 30s) for the child to die of SIGKILL: its own
// at the step crashAt, or kill's.
func (c *sinkChild) waitKilled(t *testing.T, crashAt string) {
	t.Helper()
	select {
	case err := <-c.exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child did not die of SIGKILL (%v):\n%s", err, c.out.String())
		}
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		t.Fatalf("child did not crash at %q:\n%s", crashAt, c.out.String())
	}
}

// sinkRun is a sink's Run and Shutdown.
type sinkRun interface {
	Run(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// runner runs a sink in a goroutine until stop or kill (or the test's end).
type runner struct {
	sink    sinkRun
	what    string // "file sink" or "blob sink"
	grace   time.Duration
	cancel  context.CancelFunc
	errc    chan error
	stopped atomic.Bool
}

// startRunner runs s (waiting up to grace for it to stop at the end).
func startRunner(t testing.TB, s sinkRun, what string, grace time.Duration) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{sink: s, what: what, grace: grace, cancel: cancel, errc: make(chan error, 1)}
	go func() { r.errc <- s.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop commits what is open and waits for Run to return.
func (r *runner) stop(t testing.TB) {
	t.Helper()
	if r.stopped.Swap(true) {
		return
	}
	defer r.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), r.grace)
	defer cancel()
	if err := r.sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-r.errc; err != nil {
		t.Fatalf("%s Run: %v", r.what, err)
	}
}

// kill ends the sink's context: open files are discarded, nothing committed.
func (r *runner) kill(t testing.TB) {
	t.Helper()
	if r.stopped.Swap(true) {
		return
	}
	r.cancel()
	if err := <-r.errc; err != nil {
		t.Fatalf("%s Run: %v", r.what, err)
	}
}
