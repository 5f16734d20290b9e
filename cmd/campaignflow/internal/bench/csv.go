package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/sources"
)

// Targets of the CSV benchmarks (issue 4, section 5).
const (
	CSVDecodeTarget   = 1_000_000   // rows/s, gocsv streaming decode
	CSVEndToEndTarget = 150_000     // rows/s, CSV -> E.164 -> Chat Inc
	CSVPeakRSSTarget  = 100_000_000 // bytes, at 1M rows
)

// DecodeRaw reads every record of a CSV file with encoding/csv (buffered,
// ReuseRecord): the anchor of the decode benchmark. It returns the data
// rows read (the header is not counted).
func DecodeRaw(path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	start := time.Now()
	r := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	n := -1
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Run{}, fmt.Errorf("bench: encoding/csv %s: %w", path, err)
		}
		n++
	}
	return Run{Count: max(n, 0), Elapsed: time.Since(start)}, nil
}

// DecodeProject reads every row of a CSV file with sources.CSVReader (BOM,
// delimiter sniffing, gocsv streaming decoder): what the worker reads files
// with.
func DecodeProject(path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	start := time.Now()
	r, err := sources.NewCSVReader(f)
	if err != nil {
		return Run{}, err
	}
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Run{}, err
		}
		n++
	}
	return Run{Count: n, Elapsed: time.Since(start)}, nil
}

// CSVOptions configure CSV.
type CSVOptions struct {
	Rows       int    // data rows in the generated file (default 1,000,000)
	Dir        string // where the file is written (default: a temporary directory, removed after)
	ChatIncURL string // a running Chat Inc sandbox (default: one in this process)
	APIKey     string // its key (default "bench")
}

// CSV generates the file and returns two results: gocsv streaming decode
// against encoding/csv, and CSV -> E.164 -> Chat Inc sandbox end to end
// (handlers.ImportCSV with the real client) against a raw
// encoding/csv + net/http loader, with the peak memory of the project run.
func CSV(ctx context.Context, o CSVOptions) ([]Result, error) {
	if o.Rows <= 0 {
		o.Rows = 1_000_000
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "campaignflow-bench-csv-")
		if err != nil {
			return nil, fmt.Errorf("bench: temporary directory: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	path := filepath.Join(dir, "contacts.csv")
	size, err := WriteContactsCSV(path, o.Rows)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	decode, err := CSVDecode(path, size)
	if err != nil {
		return nil, err
	}
	target, err := startTarget(o.ChatIncURL, o.APIKey)
	if err != nil {
		return nil, err
	}
	defer target.close()
	e2e, err := csvEndToEnd(ctx, target, path, o.Rows)
	if err != nil {
		return nil, err
	}
	return []Result{decode, e2e}, nil
}

// CSVDecode compares encoding/csv and sources.CSVReader on the file.
func CSVDecode(path string, size int64) (Result, error) {
	raw, err := DecodeRaw(path)
	if err != nil {
		return Result{}, err
	}
	mem := StartMemorySampler(0)
	ours, err := DecodeProject(path)
	peaks := mem.Stop()
	if err != nil {
		return Result{}, err
	}
	if ours.Count != raw.Count {
		return Result{}, fmt.Errorf("bench: sources.CSVReader read %d rows, encoding/csv %d", ours.Count, raw.Count)
	}
	res := Result{Name: "csv decode", Unit: "rows/s", Count: ours.Count,
		Anchor:  Figure{Label: "encoding/csv Read (ReuseRecord, 256 KiB buffer)", Rate: raw.Rate()},
		Project: Figure{Label: "sources.CSVReader (gocsv streaming decoder)", Rate: ours.Rate()},
		Target:  fmt.Sprintf("project >= %s rows/s", human(CSVDecodeTarget)),
		Metrics: append([]Metric{{Name: "file size", Value: mb(uint64(size)), Unit: "MB"}}, peaks.Metrics()...),
	}
	res.Pass = ours.Rate() >= CSVDecodeTarget
	return res, nil
}

// LoadRaw is the end-to-end anchor: encoding/csv, numbers made "+27..."
// by stripping non-digits and the national 0 (no validation), batches of
// 1000 posted with net/http.
func LoadRaw(ctx context.Context, baseURL, key, audience, path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	p := newRawPoster(baseURL, key)
	defer p.close()
	start := time.Now()
	r := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil {
		return Run{}, fmt.Errorf("bench: %s header: %w", path, err)
	}
	batch := make([]string, 0, 1000)
	var body []byte
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		body = encodeBatch(body[:0], audience, batch)
		batch = batch[:0]
		return p.post(ctx, body)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Run{}, fmt.Errorf("bench: %s: %w", path, err)
		}
		batch = append(batch, naiveE164(rec[0]))
		n++
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return Run{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return Run{}, err
	}
	return Run{Count: n, Elapsed: time.Since(start)}, nil
}

// naiveE164 keeps the digits, turning a national 0 into +27.
func naiveE164(raw string) string {
	b := make([]byte, 0, 16)
	b = append(b, '+')
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c >= '0' && c <= '9' {
			if len(b) == 1 && c == '0' {
				b = append(b, '2', '7')
				continue
			}
			b = append(b, c)
		}
	}
	return string(b)
}

// LoadProject is the project's path for a CSV into Chat Inc: the file
// streamed through handlers.ImportCSV (sources.CSVReader, column mapping,
// E.164 via libphonenumber with the default region ZA, batches of 1000
// sent with the chatinc client while reading). It returns the rows
// accepted.
func LoadProject(ctx context.Context, c handlers.AudienceClient, audience, path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	start := time.Now()
	rep, err := handlers.ImportCSV(ctx, c, f, handlers.ImportOptions{ID: "bench-csv",
		Audience: events.Audience{ID: audience, Name: audience}, DefaultRegion: "ZA", BatchSize: 1000})
	elapsed := time.Since(start)
	if err != nil {
		return Run{}, err
	}
	if rep.RowsRejected != 0 {
		return Run{}, fmt.Errorf("bench: the import rejected %d of %d rows (first: %+v)", rep.RowsRejected, rep.RowsTotal, rep.Rejected[0])
	}
	return Run{Count: int(rep.RowsAccepted), Elapsed: elapsed}, nil
}

func csvEndToEnd(ctx context.Context, t *chatIncTarget, path string, rows int) (Result, error) {
	client, err := t.client()
	if err != nil {
		return Result{}, err
	}
	rawID, ourID := uniqueID("bench-csv-raw"), uniqueID("bench-csv-project")
	raw, err := LoadRaw(ctx, t.url, t.key, rawID, path)
	if err != nil {
		return Result{}, err
	}
	mem := StartMemorySampler(0)
	cpu0 := cpuTime()
	ours, err := LoadProject(ctx, client, ourID, path)
	cpu := cpuTime() - cpu0
	peaks := mem.Stop()
	if err != nil {
		return Result{}, err
	}
	for _, a := range []struct {
		id   string
		sent int
	}{{rawID, raw.Count}, {ourID, ours.Count}} {
		size, err := audienceSize(ctx, client, a.id)
		if err != nil {
			return Result{}, err
		}
		if size != rows || a.sent != rows {
			return Result{}, fmt.Errorf("bench: audience %s holds %d contacts after %d rows sent; want %d", a.id, size, a.sent, rows)
		}
	}
	res := Result{Name: "csv -> chat inc end to end", Unit: "rows/s", Count: rows,
		Anchor:  Figure{Label: "encoding/csv + strip digits + net/http POST of 1000-contact batches", Rate: raw.Rate()},
		Project: Figure{Label: "handlers.ImportCSV: sources.CSVReader + E.164 (libphonenumber) + chatinc client", Rate: ours.Rate()},
		Metrics: peaks.Metrics(),
		Notes:   []string{"target: " + t.where() + "; client rate limit off; contacts only (no variable group); every row checked in the audience (size = rows) for both sides"},
	}
	if cpu > 0 {
		who := "campaignflow only"
		if t.inProc {
			who = "campaignflow + sandbox"
		}
		res.Metrics = append(res.Metrics, Metric{Name: "process CPU per row (" + who + ")", Value: float64(cpu.Nanoseconds()) / float64(rows) / 1e3, Unit: "µs"})
	}
	if local, err := DecodeAndMap(path); err == nil {
		res.Metrics = append(res.Metrics, Metric{Name: "breakdown: CSV read + E.164 only, no Chat Inc", Value: local.Rate(), Unit: "rows/s"})
	}
	rateOK := ours.Rate() >= CSVEndToEndTarget
	if t.inProc {
		res.Target = fmt.Sprintf("project >= %s rows/s (peak RSS < 100 MB is judged with --sandbox-process: here RSS includes the sandbox)", human(CSVEndToEndTarget))
		res.Pass = rateOK
	} else {
		res.Target = fmt.Sprintf("project >= %s rows/s and peak RSS < 100 MB", human(CSVEndToEndTarget))
		res.Pass = rateOK && (peaks.PeakRSS == 0 || peaks.PeakRSS < CSVPeakRSSTarget)
	}
	return res, nil
}

// DecodeAndMap reads the file with sources.CSVReader and maps every number
// to E.164 with the handlers' e164.Mapper (region ZA), without Chat Inc:
// the local share of the end-to-end path.
func DecodeAndMap(path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	start := time.Now()
	rows, err := handlers.NewCSVRows(f)
	if err != nil {
		return Run{}, err
	}
	m := e164.Mapper{DefaultRegion: "ZA"}
	n := 0
	for {
		rec, _, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Run{}, err
		}
		if _, err := m.E164(rec[0]); err != nil {
			return Run{}, fmt.Errorf("bench: row %d: %w", n+2, err)
		}
		n++
	}
	return Run{Count: n, Elapsed: time.Since(start)}, nil
}
