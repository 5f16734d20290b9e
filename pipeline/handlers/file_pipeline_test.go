package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// countingReader counts the rows File reads and calls at(row) after each.
func countingReader(read *int, at func(row int)) Option {
	return WithCSVReader(withProgress(func(row int) {
		*read++
		at(row)
	}))
}

// verifyNoPipelineLeak checks that File left no goroutine running besides
// those it found (current) and the HTTP keep-alive connections of the
// client's pool and the test server (closed when the test ends).
func verifyNoPipelineLeak(t *testing.T, current goleak.Option) {
	t.Helper()
	goleak.VerifyNone(t, current,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"))
}

// readAhead bounds how far File reads past a refused batch: the chunks and
// batches in flight (a chunk holds at most a batch of rows).
func readAhead(batch int) int { return batch * (2 + fileBatchesInFlight + fileChunksInFlight) }

// writeNumbers writes a CSV of rows valid South African numbers, with
// special[i] in place of data row i.
func writeNumbers(t *testing.T, rows int, special map[int]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("number,name\n")
	for i := range rows {
		n, ok := special[i]
		if !ok {
			n = fmt.Sprintf("082%07d", i)
		}
		fmt.Fprintf(&b, "%s,Name %d\n", n, i)
	}
	path := filepath.Join(t.TempDir(), "numbers.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFileRefusedBatchStopsReading: +98 9601 is a valid Iranian voicemail
// number for libphonenumber but has 6 digits, which Chat Inc (the sandbox)
// refuses; it is data row 15 (file row 16), in the second batch of 10
// (rows 12-21). The first batch stays in Chat Inc, no batch after the
// refused one is sent, reading stops within the chunks and batches in flight, and
// the error names the rows of the refused batch.
func TestFileRefusedBatchStopsReading(t *testing.T) {
	const rows, batch = 500, 10
	path := writeNumbers(t, rows, map[int]string{14: "+98 9601"})
	read := 0
	e := newEnv(t, sandbox.Options{}, WithOpener(dirOpener(filepath.Dir(path))), WithBatchSize(batch),
		countingReader(&read, func(int) {}))
	defer verifyNoPipelineLeak(t, goleak.IgnoreCurrent())

	err := e.h.File.Handle(context.Background(), "file-refused", &events.AudienceFileUploaded{
		Audience: events.Audience{ID: "refused"}, Source: events.Source{File: path}})
	if err == nil {
		t.Fatal("File succeeded; want the refusal of rows 12-21")
	}
	t.Logf("refusal: %v (read %d rows)", err, read)
	if c := pipeline.ClassOf(err); c != pipeline.ClassValidation || !strings.Contains(err.Error(), "rows 12-21") {
		t.Fatalf("class %s, err %v; want validation naming rows 12-21", c, err)
	}
	if got, _ := e.sb.Audience("refused"); len(got) != batch {
		t.Fatalf("audience holds %d contacts, want the first batch of %d", len(got), batch)
	}
	if n := e.sb.RequestCount("/v1/create/audience"); n != 2 {
		t.Fatalf("%d audience calls, want 2 (nothing after the refused batch)", n)
	}
	if limit := readAhead(batch); read > limit {
		t.Fatalf("read %d of %d rows after the refusal; want at most %d (the batches in flight)", read, rows, limit)
	}
}

// gatedChatInc is the sandbox behind a gate that holds every audience call
// until release is closed (then answers 503 without passing it on), and
// tells arrived about each held call; calls counts them.
func gatedChatInc(t *testing.T, calls *atomic.Int32, arrived chan<- struct{}, release <-chan struct{}) AudienceClient {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/create/audience" {
			sb.ServeHTTP(w, r)
			return
		}
		calls.Add(1)
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-release
		http.Error(w, "gate closed", http.StatusServiceUnavailable)
	}))
	t.Cleanup(ts.Close)
	client, err := chatinc.New(ts.URL, "test-key", chatinc.WithClock(pipelinetest.NewInstantClock()))
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// TestFileCancelStopsPromptly cancels ctx mid-file, before any batch is
// sent or while Chat Inc holds the first batch's call: File returns the
// ctx error naming the row reached, without waiting for the held call,
// having stopped reading and leaving no goroutine behind.
func TestFileCancelStopsPromptly(t *testing.T) {
	tests := []struct {
		name      string
		cancelAt  int // file row whose reading cancels ctx; 0: cancel when the first call is held
		wantCalls int
	}{
		{"before the first batch is sent", 5, 0},
		{"while the first batch is being sent", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const rows, batch = 5000, 10
			path := writeNumbers(t, rows, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			arrived, release := make(chan struct{}, 8), make(chan struct{})
			var calls atomic.Int32
			client := gatedChatInc(t, &calls, arrived, release)
			read := 0
			h, err := NewFileHandler(client, &reportCapture{}, WithOpener(dirOpener(filepath.Dir(path))),
				WithBatchSize(batch), countingReader(&read, func(row int) {
					if row == tt.cancelAt {
						cancel()
					}
				}))
			if err != nil {
				t.Fatal(err)
			}
			defer verifyNoPipelineLeak(t, goleak.IgnoreCurrent())
			defer close(release)
			if tt.cancelAt == 0 {
				canceller := make(chan struct{})
				defer func() { <-canceller }()
				go func() {
					defer close(canceller)
					select {
					case <-arrived:
						cancel()
					case <-ctx.Done():
					}
				}()
			}

			err = h.Handle(ctx, "file-cancel", &events.AudienceFileUploaded{
				Audience: events.Audience{ID: "cancelled"}, Source: events.Source{File: path}})
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "row") {
				t.Fatalf("err = %v; want context.Canceled naming the row", err)
			}
			if limit := readAhead(batch); read > limit {
				t.Fatalf("read %d of %d rows; want at most %d (the batches in flight)", read, rows, limit)
			}
			if n := int(calls.Load()); n != tt.wantCalls {
				t.Fatalf("%d audience calls reached Chat Inc, want %d", n, tt.wantCalls)
			}
		})
	}
}

// panickingChatInc is the real client except that adding contacts panics.
type panickingChatInc struct{ AudienceClient }

func (panickingChatInc) CreateAudience(context.Context, chatinc.Audience) (*chatinc.AudienceResult, error) {
	panic("boom")
}

// TestFileSenderPanicIsPermanentError: a panic in a stage goroutine (here
// the sender) cannot be caught by pipeline.Recover on the handler's
// goroutine; File must turn it into a permanent error and stop, not crash
// the worker.
func TestFileSenderPanicIsPermanentError(t *testing.T) {
	path := writeNumbers(t, 100, nil)
	var calls atomic.Int32
	client := gatedChatInc(t, &calls, make(chan struct{}, 1), nil)
	h, err := NewFileHandler(panickingChatInc{client}, &reportCapture{}, WithOpener(dirOpener(filepath.Dir(path))), WithBatchSize(10))
	if err != nil {
		t.Fatal(err)
	}
	defer verifyNoPipelineLeak(t, goleak.IgnoreCurrent())
	err = h.Handle(context.Background(), "file-panic", &events.AudienceFileUploaded{
		Audience: events.Audience{ID: "panic"}, Source: events.Source{File: path}})
	if c := pipeline.ClassOf(err); c != pipeline.ClassPermanent || !strings.Contains(fmt.Sprint(err), "sender panicked: boom") {
		t.Fatalf("class %s, err %v; want a permanent error saying the sender panicked", c, err)
	}
}
