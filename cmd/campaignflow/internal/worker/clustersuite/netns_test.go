//go:build clustersuite

package clustersuite

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// topology places the suite's processes on a network. With network
// namespaces (root, `ip`, and nftables' `nft`), each server, worker and the
// sandbox gets its own namespace with one address on a bridge (in a hub
// namespace; the test process reaches it through a veth of its own), and
// a partition is a set of nftables drop rules in a member's namespace.
// Without them every process listens on 127.0.0.1 and the partition faults
// fall back to SIGSTOP (the test log says which).
//
// Names carry the test process's pid (cfs<pid>-…); every namespace is
// removed when the test ends, and those of an earlier run that died
// before it could remove them are removed when the next one starts.
type topology struct {
	t      *testing.T
	netns  bool   // false: loopback, partitions by SIGSTOP
	reason string // why not netns
	prefix string // namespace name prefix: cfs<pid>-
	subnet string // 10.77.X (a /24)
	hub    string // the bridge's namespace
	addrs  map[string]string
	next   int
}

const nsPrefix = "cfs"

// newTopology sets up the hub namespace and bridge, or says why it cannot.
func newTopology(t *testing.T) *topology {
	tp := &topology{t: t, addrs: map[string]string{}, prefix: fmt.Sprintf("%s%d-", nsPrefix, os.Getpid())}
	if err := tp.setup(); err != nil {
		tp.removeAll()
		tp.netns, tp.reason = false, err.Error()
		return tp
	}
	tp.netns = true
	t.Cleanup(tp.removeAll)
	return tp
}

func (tp *topology) setup() error {
	if os.Getenv("CLUSTERSUITE_NETNS") == "off" {
		return errors.New("switched off by CLUSTERSUITE_NETNS=off")
	}
	if os.Geteuid() != 0 {
		return errors.New("not root")
	}
	for _, bin := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("no %s on PATH (nftables installs with apt-get install nftables)", bin)
		}
	}
	removeStale(tp.t)
	subnet, err := freeSubnet()
	if err != nil {
		return err
	}
	tp.subnet, tp.hub = subnet, tp.prefix+"hub"
	root := strings.TrimSuffix(tp.prefix, "-") // the root namespace's veth (<= 15 chars)
	for _, c := range [][]string{
		{"netns", "add", tp.hub},
		{"-n", tp.hub, "link", "set", "lo", "up"},
		{"-n", tp.hub, "link", "add", "br0", "type", "bridge"},
		{"-n", tp.hub, "link", "set", "br0", "up"},
		{"link", "add", root, "type", "veth", "peer", "name", "uplink", "netns", tp.hub},
		{"-n", tp.hub, "link", "set", "dev", "uplink", "master", "br0", "up"},
		{"addr", "add", subnet + ".1/24", "dev", root},
		{"link", "set", root, "up"},
	} {
		if err := ipCmd(c...); err != nil {
			return err
		}
	}
	return nft(tp.hub, cutTable) // proves nft works in a namespace here
}

// cutTable drops every packet to or from an address in its set cut.
const cutTable = `table inet cfsuite {
	set cut { type ipv4_addr; }
	chain in { type filter hook input priority 0; ip saddr @cut drop; }
	chain out { type filter hook output priority 0; ip daddr @cut drop; }
}`

// add creates member's namespace, attached to the bridge, with an empty
// cut set, and returns its address.
func (tp *topology) add(member string) (string, error) {
	tp.next++
	ns, addr, port := tp.prefix+member, fmt.Sprintf("%s.%d", tp.subnet, 10+tp.next), fmt.Sprintf("p%d", tp.next)
	for _, c := range [][]string{
		{"netns", "add", ns},
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", tp.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
		{"-n", tp.hub, "link", "set", "dev", port, "master", "br0", "up"},
		{"-n", ns, "addr", "add", addr + "/24", "dev", "eth0"},
		{"-n", ns, "link", "set", "eth0", "up"},
	} {
		if err := ipCmd(c...); err != nil {
			return "", err
		}
	}
	if err := nft(ns, cutTable); err != nil {
		return "", err
	}
	tp.addrs[member] = addr
	return addr, nil
}

// member gives a process its own address (a namespace of its own), or
// 127.0.0.1 without namespaces.
func (tp *topology) member(member string) string {
	if !tp.netns {
		return "127.0.0.1"
	}
	addr, err := tp.add(member)
	if err != nil {
		tp.t.Fatalf("network namespace for %s: %v", member, err)
	}
	return addr
}

// command runs bin in member's namespace (ip netns exec execs it: the
// process, its pid and signals are bin's own).
func (tp *topology) command(member, bin string, args ...string) (string, []string) {
	if !tp.netns {
		return bin, args
	}
	return "ip", append([]string{"netns", "exec", tp.prefix + member, bin}, args...)
}

// cut drops every packet between member and peers (in member's namespace,
// both ways) until heal.
func (tp *topology) cut(member string, peers ...string) {
	var addrs []string
	for _, p := range peers {
		addrs = append(addrs, tp.addrs[p])
	}
	if err := nft(tp.prefix+member, fmt.Sprintf("add element inet cfsuite cut { %s }", strings.Join(addrs, ", "))); err != nil {
		tp.t.Fatalf("cut %s from %v: %v", member, peers, err)
	}
}

// heal removes every drop rule.
func (tp *topology) heal() {
	for m := range tp.addrs {
		if err := nft(tp.prefix+m, "flush set inet cfsuite cut"); err != nil {
			tp.t.Errorf("heal %s: %v", m, err)
		}
	}
}

// removeAll deletes the run's namespaces (the hub's with the bridge and
// every veth pair).
func (tp *topology) removeAll() {
	for _, ns := range listNetns() {
		if strings.HasPrefix(ns, tp.prefix) {
			if err := ipCmd("netns", "del", ns); err != nil {
				tp.t.Logf("remove network namespace %s: %v", ns, err)
			}
		}
	}
}

// removeStale deletes the namespaces of suite runs whose process is gone.
func removeStale(t *testing.T) {
	for _, ns := range listNetns() {
		rest, ok := strings.CutPrefix(ns, nsPrefix)
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err != nil || pid == os.Getpid() || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		t.Logf("removing network namespace %s of an earlier suite run that did not finish", ns)
		if err := ipCmd("netns", "del", ns); err != nil {
			t.Logf("remove network namespace %s: %v", ns, err)
		}
	}
}

func listNetns() []string {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// freeSubnet picks a 10.77.X.0/24 that no address on this machine uses
// (another suite run may be going on).
func freeSubnet() (string, error) {
	out, err := exec.Command("ip", "-o", "-4", "addr", "show").Output()
	if err != nil {
		return "", fmt.Errorf("ip addr: %w", err)
	}
	start := os.Getpid() % 250
	for i := range 250 {
		s := fmt.Sprintf("10.77.%d", 1+(start+i)%250)
		if !strings.Contains(string(out), " "+s+".") {
			return s, nil
		}
	}
	return "", errors.New("no free 10.77.X.0/24 subnet")
}

func ipCmd(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func nft(ns, script string) error {
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %v: %s", ns, err, strings.TrimSpace(string(out)))
	}
	return nil
}
