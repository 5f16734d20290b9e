package worker_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// hostileInput is one thing an attacker or a careless upstream sends.
type hostileInput struct {
	name string
	// publish sends it and returns its stream sequence.
	publish func(t *testing.T, h *hostileRig) uint64
	// dead: the event must be dead-lettered with this class and a reason
	// containing reason. Otherwise check runs on the applied event.
	class, reason string
	check         func(t *testing.T, h *hostileRig)
}

type hostileRig struct {
	js    jetstream.JetStream
	names sources.Names
	sim   *sandbox.Server
	dir   string // the allowed CSV directory
}

func (h *hostileRig) send(t *testing.T, typ string, hdr nats.Header, body []byte) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := h.js.PublishMsg(ctx, &nats.Msg{Subject: h.names.EventSubject(typ), Header: hdr, Data: body})
	if err != nil {
		t.Fatalf("publish %s: %v", typ, err)
	}
	return ack.Sequence
}

func withID(id string) nats.Header { return nats.Header{jetstream.MsgIDHeader: []string{id}} }

// fileEvent publishes an audience-file-uploaded event for name in the
// allowed directory, filling audience id.
func (h *hostileRig) fileEvent(t *testing.T, id, name string) uint64 {
	return h.send(t, "audience-file-uploaded", withID(id), mustJSON(t, map[string]any{
		"audience": map[string]string{"id": id, "name": id},
		"source":   map[string]string{"file": filepath.Join(h.dir, name)},
	}))
}

// writeCSV writes a CSV through w into the allowed directory.
func (h *hostileRig) writeCSV(t *testing.T, name string, w func(*bufio.Writer)) {
	t.Helper()
	f, err := os.Create(filepath.Join(h.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w(bw)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// report reads the ingest report of an event from the results stream.
func (h *hostileRig) report(t *testing.T, eventID string) sinks.IngestReport {
	t.Helper()
	rep, ok := ingestReport(t, h.js, h.names, eventID)
	if !ok {
		t.Fatalf("ingest report of %s: none on %s", eventID, h.names.ResultsStream)
	}
	return rep
}

func expectRows(t *testing.T, h *hostileRig, id string, accepted int64, rejectedRow int, reason string) {
	t.Helper()
	rep := h.report(t, id)
	if rep.RowsAccepted != accepted || rep.RowsRejected < 1 || len(rep.Rejected) == 0 ||
		rep.Rejected[0].Row != rejectedRow || !strings.Contains(rep.Rejected[0].Reason, reason) {
		t.Errorf("%s: accepted %d rejected %d first %+v; want %d accepted and row %d rejected for %q",
			id, rep.RowsAccepted, rep.RowsRejected, rep.Rejected[:min(1, len(rep.Rejected))], accepted, rejectedRow, reason)
	}
	if got, _ := h.sim.Audience(id); int64(len(got)) != accepted {
		t.Errorf("%s: audience has %d contacts, want %d", id, len(got), accepted)
	}
}

func hostileInputs() []hostileInput {
	long := strings.Repeat("x", 10_000)
	segment := func(audience string, numbers ...string) map[string]any {
		cs := make([]map[string]any, len(numbers))
		for i, n := range numbers {
			cs[i] = map[string]any{"number": n}
		}
		return map[string]any{"audience": map[string]string{"id": audience, "name": "hostile"}, "contacts": cs}
	}
	return []hostileInput{
		{name: "10 KB Nats-Msg-Id", class: "validation", reason: "10000 bytes",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				return h.send(t, "customer-segment-updated", withID(long), mustJSON(t, segment("a1", "+27820000001")))
			}},
		{name: "10 KB event_id", class: "validation", reason: "10000 bytes",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				b := segment("a2", "+27820000002")
				b["event_id"] = long
				return h.send(t, "customer-segment-updated", nil, mustJSON(t, b))
			}},
		{name: "5000-char promo_id", class: "validation", reason: "promo_id: invalid id: 5000 bytes",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				return h.send(t, "send-promo", withID("hostile-promo"), mustJSON(t, map[string]any{
					"promo_id": strings.Repeat("p", 5000), "title": "t", "message": "m", "audiences": []string{"all"}}))
			}},
		{name: "60k contacts with empty numbers", class: "validation", reason: "more problems",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				numbers := make([]string, 60_000)
				return h.send(t, "customer-segment-updated", withID("hostile-empty"), mustJSON(t, segment("a3", numbers...)))
			}},
		{name: "invalid UTF-8 in audience.id", class: "validation", reason: "audience.id: invalid id",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				return h.send(t, "customer-segment-updated", withID("hostile-utf8"),
					[]byte("{\"audience\":{\"id\":\"vip\xff\xfe\"},\"contacts\":[{\"number\":\"+27820000003\"}]}"))
			}},
		{name: "CloudEvents type that disagrees with the subject", class: "validation", reason: "disagrees with subject",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				return h.send(t, "customer-segment-updated", nil, mustJSON(t, map[string]any{
					"specversion": "1.0", "id": "hostile-ce", "type": "send-promo", "source": "/x",
					"data": map[string]any{"promo_id": "ce", "title": "t", "message": "m", "audiences": []string{"all"}}}))
			}},
		{name: "CSV with 100k columns", class: "validation", reason: "csv row 1: row is longer than csv.max_row_bytes",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				h.writeCSV(t, "wide.csv", func(w *bufio.Writer) {
					w.WriteString("number")
					for i := range 100_000 {
						fmt.Fprintf(w, ",c%d", i)
					}
					w.WriteString("\n+27820000004\n")
				})
				return h.fileEvent(t, "hostile-wide", "wide.csv")
			}},
		{name: "a FIFO in the allowed directory", class: "validation", reason: "named pipe",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				if err := syscall.Mkfifo(filepath.Join(h.dir, "fifo.csv"), 0o600); err != nil {
					t.Fatal(err)
				}
				return h.fileEvent(t, "hostile-fifo", "fifo.csv")
			}},
		{name: "CSV with one 100 MB line",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				h.writeCSV(t, "longline.csv", func(w *bufio.Writer) {
					w.WriteString("number,name\n+27821000001,a\n+27821000002,")
					chunk := strings.Repeat("y", 1<<20)
					for range 100 {
						w.WriteString(chunk)
					}
					w.WriteString("\n+27821000003,c\n")
				})
				return h.fileEvent(t, "hostile-longline", "longline.csv")
			},
			check: func(t *testing.T, h *hostileRig) {
				expectRows(t, h, "hostile-longline", 2, 3, "longer than csv.max_row_bytes")
			}},
		{name: "unterminated quote at row 2 of 100k rows",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				h.writeCSV(t, "quote.csv", func(w *bufio.Writer) {
					w.WriteString("number,name\n+27822000000,\"never closed\n")
					for i := 1; i < 100_000; i++ {
						fmt.Fprintf(w, "+2782%07d,n%d\n", 2_000_000+i, i)
					}
				})
				return h.fileEvent(t, "hostile-quote", "quote.csv")
			},
			check: func(t *testing.T, h *hostileRig) { expectRows(t, h, "hostile-quote", 99_999, 2, "not closed") }},
		{name: "rows with too few and too many fields",
			publish: func(t *testing.T, h *hostileRig) uint64 {
				h.writeCSV(t, "fields.csv", func(w *bufio.Writer) {
					w.WriteString("number,name\n+27823000001\n+27823000002,b,extra\n+27823000003,c\n")
				})
				return h.fileEvent(t, "hostile-fields", "fields.csv")
			},
			check: func(t *testing.T, h *hostileRig) {
				expectRows(t, h, "hostile-fields", 1, 2, "wrong number of fields")
				if rep := h.report(t, "hostile-fields"); rep.RowsRejected != 2 || rep.Rejected[1].Row != 3 {
					t.Errorf("hostile-fields: rejected %+v", rep.Rejected)
				}
			}},
	}
}

// TestHostileInputNeitherStopsNorLoses runs the worker binary on a real
// nats-server and the sandbox and sends every hostile input of issue 11,
// each followed by a good event: the worker stays connected and ready, each
// bad event is in the DLQ with its class and a reason of at most 4 KB, the
// bad rows of files are reported at their rows, every good event is applied,
// and the worker's peak RSS stays under 150 MB.
func TestHostileInputNeitherStopsNorLoses(t *testing.T) {
	bin := workerBinary(t)
	_, url := natstest.RunJetStream(t)
	sim, simURL := sandboxtest.Start(t, sandbox.Options{APIKey: "hostile-key", ApproveAfter: sandbox.ApproveAtOnce})
	js := natstest.JetStream(t, url)
	h := &hostileRig{js: js, names: sources.DefaultNames(), sim: sim, dir: t.TempDir()}

	cfgFile := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("csv:\n  allowed_dirs: ["+strconv.Quote(h.dir)+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &pipelinetest.SyncBuffer{}
	cmd := exec.Command(bin, "run", "--config", cfgFile, "--http-addr", "127.0.0.1:0", "--worker-id", "hostile", "--log-format", "text")
	cmd.Env = append(os.Environ(), "CAMPAIGNFLOW_NATS_URL="+url, "CHATINC_API_KEY=hostile-key", "CHATINC_URL="+simURL,
		"CAMPAIGNFLOW_CHATINC__RATE_LIMIT=5000", "CAMPAIGNFLOW_CHATINC__RATE_BURST=500")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("worker logs (last 20k):\n%s", tail(logs.String(), 20000))
		}
	})
	addrRE := regexp.MustCompile(`msg="health endpoints" addr=(\S+)`)
	var addr string
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
		return addr != "" && httpStatus("http://"+addr+"/readyz") == http.StatusOK, "worker ready"
	})

	inputs := hostileInputs()
	seqs := map[uint64]hostileInput{}
	for i, in := range inputs {
		seqs[in.publish(t, h)] = in
		h.send(t, "customer-segment-updated", withID(fmt.Sprintf("good-%d", i)), mustJSON(t, map[string]any{
			"audience": map[string]string{"id": fmt.Sprintf("good-%d", i), "name": "good"},
			"contacts": []map[string]any{{"number": fmt.Sprintf("+2782%07d", 9_000_000+2*i)}, {"number": fmt.Sprintf("+2782%07d", 9_000_001+2*i)}},
		}))
	}
	pipelinetest.Eventually(t, 3*time.Minute, pipelinetest.ConsumerIdle(js, h.names.EventsStream, h.names.EventsConsumer))

	// The worker is up, connected and ready.
	if code := httpStatus("http://" + addr + "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d after the hostile inputs", code)
	}
	if code := httpStatus("http://" + addr + "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz %d after the hostile inputs", code)
	}
	// Each bad event is dead-lettered once, with its class and a short reason.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dls, err := pipeline.NewDLQ(js, h.names).List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	dead := map[uint64]pipeline.DeadLetter{}
	for _, dl := range dls {
		in, ok := seqs[dl.OriginalSeq]
		if !ok || in.class == "" {
			t.Errorf("unexpected dead letter: seq %d %s: %.200s", dl.OriginalSeq, dl.Class, dl.Error)
			continue
		}
		if _, twice := dead[dl.OriginalSeq]; twice {
			t.Errorf("%s: dead-lettered twice", in.name)
		}
		dead[dl.OriginalSeq] = dl
	}
	for seq, in := range seqs {
		if in.class == "" {
			in.check(t, h)
			continue
		}
		dl, ok := dead[seq]
		switch {
		case !ok:
			t.Errorf("%s: not in the DLQ", in.name)
		case dl.Class != in.class || !strings.Contains(dl.Error, in.reason) || len(dl.Error) > 4096:
			t.Errorf("%s: class %s, reason of %d bytes %.300q; want %s with %q", in.name, dl.Class, len(dl.Error), dl.Error, in.class, in.reason)
		}
	}
	// Every good event is applied.
	for i := range inputs {
		if got, _ := sim.Audience(fmt.Sprintf("good-%d", i)); len(got) != 2 {
			t.Errorf("good event %d: audience has %d contacts, want 2", i, len(got))
		}
	}
	// Memory stayed bounded, and the worker is still running.
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("hostile inputs: %d sent, %d dead letters, worker peak RSS %d MB", len(inputs), len(dls), peak>>20)
	if peak > 150<<20 {
		t.Errorf("worker peak RSS %d MB, want under 150 MB", peak>>20)
	}
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("worker process gone: %v", err)
	}
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// peakRSS reads VmHWM (the peak resident set) of a process.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
