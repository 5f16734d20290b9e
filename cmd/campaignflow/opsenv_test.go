package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// opsEnv is an in-process nats-server with campaignflow's topology, as a
// running `campaignflow run` leaves it, for the operator commands.
type opsEnv struct {
	url  string
	js   jetstream.JetStream
	topo *sources.Topology
}

func newOpsEnv(t *testing.T) *opsEnv {
	t.Helper()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	topo, err := sources.EnsureTopology(ctx, js, sources.DefaultNames(), sources.DefaultTopologyOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &opsEnv{url: url, js: js, topo: topo}
}

// opsResult is what one command run printed and returned.
type opsResult struct {
	stdout, stderr string
	err            error
}

// code is the process exit code main would use.
func (r opsResult) code() int {
	var ee exitError
	switch {
	case r.err == nil:
		return 0
	case errors.As(r.err, &ee):
		return ee.code
	}
	return 1
}

// execOps runs the campaignflow command line args (as main would) with
// stdin, capturing stdout and stderr.
func execOps(t *testing.T, stdin string, args ...string) opsResult {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(io.Reader(strings.NewReader(stdin)))
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return opsResult{stdout: out.String(), stderr: errb.String(), err: err}
}

// streamMsgs is how many messages a stream holds.
func (e *opsEnv) streamMsgs(t *testing.T, s jetstream.Stream) uint64 {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
