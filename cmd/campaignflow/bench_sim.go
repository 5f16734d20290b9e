package main

import (
	"bufio"
	"context"
	"errors"
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
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the campaignflow binary to start the sandbox (use --sandbox-process=false): %w", err)
	}
	child := exec.Command(exe, "sim", "--addr", "127.0.0.1:0", "--api-key", "bench", "--log-level", "error")
	child.Stderr = cmd.ErrOrStderr()
	out, err := child.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox process: %w", err)
	}
	if err := child.Start(); err != nil {
		return nil, fmt.Errorf("starting the sandbox process %s sim: %w", exe, err)
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
			return nil, errors.New("the sandbox process exited without saying where it serves (use --sandbox-process=false)")
		}
		*url, *key = u, "bench"
		return stop, nil
	case <-time.After(15 * time.Second):
	case <-ctx.Done():
	}
	stop()
	return nil, errors.New("the sandbox process did not start serving within 15s (use --sandbox-process=false)")
}
