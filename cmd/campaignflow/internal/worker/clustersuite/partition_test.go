//go:build clustersuite

package clustersuite

import (
	"fmt"
	"syscall"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// cutFor is how long a partition lasts (the partition run).
const cutFor = 20 * time.Second

// partition is one link cut: who is cut from whom with network
// namespaces, and what stands in without them: SIGSTOP of processes, or
// for Chat Inc the sandbox answering 503 to everything (a stalled sandbox
// would still serve the requests queued in its kernel when it resumes,
// long after the clients gave up: not what a partition does).
type partition struct {
	name        string
	cuts        map[string][]string // member -> peers it loses
	stall       []*proc
	chatIncDown bool
}

// partitions runs the four partition faults, 20 s each.
func (s *suite) partitions() {
	nodes := func(ns ...*node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.serverName)
		}
		return out
	}
	all := nodes(s.nodes...)
	workers := []string{s.workers[0].id, s.workers[1].id, s.workers[2].id}

	// (1) the events stream's leader cut from the other two nodes
	l := s.streamLeader(s.names.EventsStream)
	var others []string
	for _, n := range s.nodes {
		if n != l {
			others = append(others, n.serverName)
		}
	}
	s.partition(partition{name: "the events stream's leader node cut from the other two", cuts: map[string][]string{l.serverName: others},
		stall: []*proc{l.proc}}, l.serverName)
	s.t.Logf("events stream leader: %s before the cut, %s after it", l.serverName, s.streamLeader(s.names.EventsStream).serverName)

	// (2) the scheduling leader cut from NATS; it still reaches Chat Inc
	w := s.schedulingLeader()
	s.partition(partition{name: "the scheduling leader cut from NATS (reaches Chat Inc)", cuts: map[string][]string{w.id: all},
		stall: []*proc{w.proc}}, w.id)
	s.t.Logf("scheduling leader: %s before the cut, %s after it", w.id, s.schedulingLeader().id)

	// (3) {node 1, worker 1} | {nodes 2-3, workers 2-3}
	n1, w1 := s.nodes[0], s.workers[0]
	s.partition(partition{name: "split {n1, w1} | {n2, n3, w2, w3}", cuts: map[string][]string{
		n1.serverName: append(nodes(s.nodes[1:]...), workers[1:]...),
		w1.id:         nodes(s.nodes[1:]...),
	}, stall: []*proc{n1.proc, w1.proc}}, "n1,w1")

	// (4) Chat Inc cut from every worker
	s.partition(partition{name: "Chat Inc cut from every worker", cuts: map[string][]string{"sim": workers},
		chatIncDown: true}, "sim")
}

// partition applies p for cutFor, heals it, and waits for the cluster.
func (s *suite) partition(p partition, on string) {
	how := "nftables drop rules"
	switch {
	case s.net.netns:
	case p.chatIncDown:
		how = "503s standing in"
	default:
		how = "SIGSTOP standing in"
	}
	f := s.begin(fmt.Sprintf("partition (%s): %s for %s", how, p.name, cutFor))
	f.note = on
	if s.net.netns {
		for m, peers := range p.cuts {
			s.net.cut(m, peers...)
		}
	} else {
		for _, pr := range p.stall {
			pr.signal(syscall.SIGSTOP)
		}
		if p.chatIncDown {
			s.simFaults([]sandbox.Fault{{Endpoint: "*", Kind: sandbox.Fault503, Rate: 1}})
		}
	}
	<-time.After(cutFor) // the fault's duration
	if s.net.netns {
		s.net.heal()
	} else {
		for _, pr := range p.stall {
			pr.signal(syscall.SIGCONT)
		}
		if p.chatIncDown {
			s.simFaults(nil)
		}
	}
	f.end = time.Now()
	s.clusterHealthy()
	s.settleFor(3 * time.Second)
}
