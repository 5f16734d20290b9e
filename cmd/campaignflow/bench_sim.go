package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func addBenchSandboxFlags(cmd *cobra.Command, url, key *string, process *bool) {
	cmd.Flags().StringVar(url, "chatinc-url", "", "base URL of a running Chat Inc sandbox to send to (e.g. one started by campaignflow sim); default: start one")
	cmd.Flags().StringVar(key, "api-key", "", "API key of --chatinc-url")
	cmd.Flags().BoolVar(process, "sandbox-process", true, "start the sandbox as a child process (campaignflow sim), so memory and CPU figures are campaignflow's alone; false: in this process")
}

// benchSandbox starts `campaignflow sim` as a child process when asked and
// no URL is given, and sets *url to it; stop ends the child.
func benchSandbox(ctx context.Context, cmd *cobra.Command, url, key *string, process bool) (stop func(), err error) {
	if *url != "" || !process {
		return func() {}, nil
	}
	u, _, stop, err := startChild(ctx, cmd, "sim", "--addr", "127.0.0.1:0", "--api-key", "bench", "--log-level", "error")
	if err != nil {
		return nil, err
	}
	*url, *key = u, "bench"
	return stop, nil
}

// startChild runs this binary with args as a child process until stop, and
// returns the URL it prints after "serving at " and its process id.
func startChild(ctx context.Context, cmd *cobra.Command, args ...string) (url string, pid int, stop func(), err error) {
	what := args[0]
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, fmt.Errorf("cannot find the campaignflow binary to start the %s process (use --sandbox-process=false): %w", what, err)
	}
	child := exec.Command(exe, args...)
	child.Stderr = cmd.ErrOrStderr()
	out, err := child.StdoutPipe()
	if err != nil {
		return "", 0, nil, fmt.Errorf("%s process: %w", what, err)
	}
	if err := child.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("starting the %s process %s: %w", what, exe, err)
	}
	stop = func() {
		_ = child.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = child.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = child.Process.Kill()
			<-done
		}
	}
	lines := make(chan string, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "serving at "); ok && len(strings.Fields(u)) > 0 {
				lines <- strings.Fields(u)[0]
				_, _ = io.Copy(io.Discard, out) // keep the child's stdout drained
				return
			}
		}
	}()
	select {
	case u, ok := <-lines:
		if !ok {
			stop()
			return "", 0, nil, fmt.Errorf("the %s process exited without saying where it serves", what)
		}
		return u, child.Process.Pid, stop, nil
	case <-time.After(15 * time.Second):
	case <-ctx.Done():
	}
	stop()
	return "", 0, nil, fmt.Errorf("the %s process did not start serving within 15s", what)
}
