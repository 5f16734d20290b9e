package pipelinetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	binMu    sync.Mutex
	binBuilt = map[string]string{}
)

// Binary builds the main package pkg (an import path, or ./path relative
// to the module root) once per test process into a temporary directory and
// returns the binary's path: cmd/campaignflow for crash and cluster tests,
// github.com/nats-io/nats-server/v2 (the module go.mod already requires)
// for a nats-server process.
func Binary(tb testing.TB, pkg string) string {
	tb.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binBuilt[pkg]; ok {
		return p
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	dir, err := os.MkdirTemp("", "campaignflow-bin-")
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatal(fmt.Errorf("go build %s: %v\n%s", pkg, err, b))
	}
	binBuilt[pkg] = out
	return out
}
