package chatinc_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// BenchmarkAddContacts adds contacts in batches of 1000 over loopback and
// reports contacts/s (client and sandbox together).
func BenchmarkAddContacts(b *testing.B) {
	e := newEnv(b, sandbox.Options{}, chatinc.WithRateLimit(rate.Inf, 0))
	ctx := context.Background()
	const n = 100_000
	cs := make([]chatinc.Contact, n)
	for i := range cs {
		cs[i] = chatinc.Contact{Number: fmt.Sprintf("+2782%07d", i)}
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if _, err := e.c.CreateAudience(ctx, chatinc.Audience{ID: fmt.Sprint("a", i), Name: "a", Contacts: cs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "contacts/s")
}

// BenchmarkEncodeBatch measures the client's own CPU per contact: encoding
// is all the client does per contact.
func BenchmarkEncodeBatch(b *testing.B) {
	cs := make([]chatinc.Contact, 1000)
	for i := range cs {
		cs[i] = chatinc.Contact{Number: fmt.Sprintf("+2782%07d", i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		chatinc.EncodeAudienceBatchForBench(io.Discard, "audience", cs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/contact")
}

// csvRows generates a CSV of n rows without holding it in memory.
type csvRows struct {
	n, i int
	buf  []byte
}

func (r *csvRows) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i <= r.n {
		if r.i == 0 {
			r.buf = append(r.buf, "number,first_name\n"...)
		} else {
			r.buf = fmt.Appendf(r.buf, "+2782%07d,name%d\n", r.i, r.i)
		}
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// BenchmarkCSVUpload1M streams a 1M-row (~30 MB) CSV through the client to
// a server that reads and counts it, sampling the process heap meanwhile:
// the client's peak stays flat because the file goes through a pipe.
func BenchmarkCSVUpload1M(b *testing.B) {
	var rows atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, _ := r.MultipartReader()
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			n, _ := io.Copy(io.Discard, p)
			rows.Add(n)
		}
		_, _ = w.Write([]byte(`{"status":"success","added":1000000}`))
	}))
	defer srv.Close()
	c, _ := chatinc.New(srv.URL, "k", chatinc.WithRateLimit(rate.Inf, 0))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	for range b.N {
		if _, err := c.AddContactsFromCSV(context.Background(), chatinc.AudienceFile{ID: "a", Name: "a", File: &csvRows{n: 1_000_000}}); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/1e6, "peak-heap-MB")
	b.ReportMetric(float64(rows.Load()/int64(b.N))/1e6, "MB-sent")
}
