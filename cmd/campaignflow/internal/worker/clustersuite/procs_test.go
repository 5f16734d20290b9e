//go:build clustersuite

package clustersuite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// proc is a child process this suite started (a nats-server, the sandbox
// or a worker), restartable with the same arguments.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	log  *os.File
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	done := p.done
	go func() { _ = cmd.Wait(); close(done) }()
}

func (p *proc) signal(sig syscall.Signal) {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

// kill9 kills the process and waits until it is gone.
func (p *proc) kill9() {
	if p.cmd == nil {
		return
	}
	p.signal(syscall.SIGKILL)
	p.signal(syscall.SIGCONT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	p.cmd = nil
}

func newProc(t *testing.T, dir, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(f.Name())
			if len(b) > 6000 {
				b = b[len(b)-6000:]
			}
			t.Logf("--- %s log (tail):\n%s", name, b)
		}
	})
	return &proc{name: name, bin: bin, args: args, env: env, log: f}
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var httpClient = &http.Client{Timeout: 2 * time.Second}

func getJSON(url string, v any) error {
	resp, err := httpClient.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %s", url, resp.Status, strings.TrimSpace(string(b)))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}

// node is one nats-server of the cluster.
type node struct {
	*proc
	serverName          string
	host                string
	client, route, http int
}

func (n *node) url() string { return fmt.Sprintf("nats://%s:%d", n.host, n.client) }

// healthy says whether the node answers its health check and knows the
// JetStream meta leader.
func (n *node) healthy() error {
	if err := getJSON(fmt.Sprintf("http://%s:%d/healthz", n.host, n.http), nil); err != nil {
		return err
	}
	var jsz struct {
		Meta *struct {
			Leader string `json:"leader"`
		} `json:"meta_cluster"`
	}
	if err := getJSON(fmt.Sprintf("http://%s:%d/jsz", n.host, n.http), &jsz); err != nil {
		return err
	}
	if jsz.Meta == nil || jsz.Meta.Leader == "" {
		return fmt.Errorf("%s: no JetStream meta leader yet", n.serverName)
	}
	return nil
}

// startCluster writes three configs and starts three nats-servers as one
// JetStream cluster, each on its own address of tp. Pings every 2s (3
// unanswered close a connection) find a route or client cut off in
// seconds; the default is 2 minutes.
func startCluster(t *testing.T, bin, dir string, tp *topology) []*node {
	t.Helper()
	nodes := make([]*node, 3)
	for i := range nodes {
		name := fmt.Sprintf("n%d", i+1)
		nodes[i] = &node{serverName: name, host: tp.member(name), client: freePort(t), route: freePort(t), http: freePort(t)}
	}
	for i, n := range nodes {
		var routes []string
		for j, o := range nodes {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://%s:%d", o.host, o.route))
			}
		}
		conf := fmt.Sprintf(`server_name: %s
listen: %s:%d
http: %s:%d
ping_interval: "2s"
ping_max: 3
jetstream { store_dir: %q }
cluster { name: cf-faults, listen: %s:%d, routes: [%s] }
`, n.serverName, n.host, n.client, n.host, n.http, filepath.Join(dir, n.serverName), n.host, n.route, strings.Join(routes, ", "))
		path := filepath.Join(dir, n.serverName+".conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd, args := tp.command(n.serverName, bin, "-c", path)
		n.proc = newProc(t, dir, n.serverName, cmd, os.Environ(), args...)
		n.start(t)
		t.Cleanup(n.kill9)
	}
	pipelinetest.Eventually(t, 60*time.Second, func() (bool, string) {
		for _, n := range nodes {
			if err := n.healthy(); err != nil {
				return false, fmt.Sprintf("%s: %v", n.serverName, err)
			}
		}
		return true, ""
	})
	return nodes
}

// worker is one campaignflow worker process.
type worker struct {
	*proc
	id   string
	host string
	http int
}

func (w *worker) ready() error {
	return getJSON(fmt.Sprintf("http://%s:%d/readyz", w.host, w.http), nil)
}

// callsInFlight reads the worker's campaignflow_chatinc_calls_in_flight.
func (w *worker) callsInFlight() int {
	resp, err := httpClient.Get(fmt.Sprintf("http://%s:%d/metrics", w.host, w.http))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "campaignflow_chatinc_calls_in_flight") {
			var v float64
			if f := strings.Fields(line); len(f) >= 2 {
				fmt.Sscan(f[len(f)-1], &v)
			}
			return int(v)
		}
	}
	return 0
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
