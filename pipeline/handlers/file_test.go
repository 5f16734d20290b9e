package handlers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sources"
)

// dirOpener is the sources location policy allowing one directory.
func dirOpener(dir string) Opener {
	return LocationOpener{Policy: sources.LocationPolicy{AllowedDirs: []string{dir}}}
}

func writeCSV(t *testing.T, dir, name string, rows int, bad map[int]bool) {
	t.Helper()
	var b strings.Builder
	b.WriteString("\xEF\xBB\xBFPhone;First Name;Tier\n")
	for i := range rows {
		if bad[i] {
			fmt.Fprintf(&b, "12ab;Bad %d;x\n", i)
			continue
		}
		fmt.Fprintf(&b, "082 %03d %04d;\"Name; %d\";gold\n", 100+i/10000, i%10000, i)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFileEndToEndInBatches(t *testing.T) {
	dir := t.TempDir()
	writeCSV(t, dir, "bf.csv", 2500, map[int]bool{3: true, 1999: true})
	e := newEnv(t, sandbox.Options{}, WithOpener(dirOpener(dir)))
	ev := &events.AudienceFileUploaded{
		Audience:      events.Audience{ID: "bf-list", Name: "Black Friday list"},
		Source:        events.Source{File: filepath.Join(dir, "bf.csv")},
		Columns:       &events.Columns{Number: "phone", Fields: map[string]string{"first_name": "First Name", "tier": "TIER"}},
		VariableGroup: &events.VariableGroupRef{ID: "customers", Name: "customers"},
	}
	if err := e.h.File.Handle(context.Background(), "file-7781", ev); err != nil {
		t.Fatal(err)
	}
	got, _ := e.sb.Audience("bf-list")
	if len(got) != 2498 {
		t.Fatalf("audience has %d contacts, want 2498", len(got))
	}
	if n := e.sb.RequestCount("/v1/create/audience"); n != 3 {
		t.Fatalf("%d audience calls for 2498 rows, want 3 batches of <=1000", n)
	}
	_, values, _ := e.sb.VariableGroup("customers")
	if v := values["+27821000000"]; v["first_name"] != "Name; 0" || v["tier"] != "gold" {
		t.Fatalf("values of first row = %v", v)
	}
	rep := e.report(t, "file-7781")
	if rep.RowsTotal != 2500 || rep.RowsAccepted != 2498 || rep.RowsRejected != 2 {
		t.Fatalf("report = %+v", rep)
	}
	if r := rep.Rejected[0]; r.Row != 5 || r.Column != "Phone" || r.Value != "*2ab" {
		t.Fatalf("first rejected row = %+v (want row 5: header is row 1)", r)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nonum.csv"), []byte("name,tier\na,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   []Option
		source events.Source
		class  pipeline.Class
		want   string
	}{
		{"no opener", nil, events.Source{File: filepath.Join(dir, "nonum.csv")}, pipeline.ClassPermanent, "no file sources are configured"},
		{"no number column", []Option{WithOpener(dirOpener(dir))}, events.Source{File: filepath.Join(dir, "nonum.csv")}, pipeline.ClassValidation, `number column "number" is not in the CSV header`},
		{"outside allowed dirs", []Option{WithOpener(dirOpener(dir))}, events.Source{File: "/etc/passwd"}, pipeline.ClassValidation, "not under an allowed directory"},
		{"missing file", []Option{WithOpener(dirOpener(dir))}, events.Source{File: filepath.Join(dir, "missing.csv")}, pipeline.ClassPermanent, "source not found"},
		{"two sources", []Option{WithOpener(dirOpener(dir))}, events.Source{File: "a", URL: "https://x.example/a.csv"}, pipeline.ClassValidation, "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{}, tt.opts...)
			err := e.h.File.Handle(context.Background(), "f", &events.AudienceFileUploaded{Audience: events.Audience{ID: "a"}, Source: tt.source})
			if c := pipeline.ClassOf(err); c != tt.class || !strings.Contains(fmt.Sprint(err), tt.want) {
				t.Fatalf("class %s err %v; want %s containing %q", c, err, tt.class, tt.want)
			}
		})
	}
}

// TestFileMissingObjectIsPermanent: a bucket or object that is not there is
// reported at once (permanent, "source not found"), not retried for minutes.
func TestFileMissingObjectIsPermanent(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	e.h.File.opener = LocationOpener{JS: e.js}
	for _, ref := range []events.ObjectStoreRef{{Bucket: "nope", Key: "k"}, {Bucket: "uploads", Key: "missing.csv"}} {
		if ref.Bucket == "uploads" {
			if _, err := e.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "uploads"}); err != nil {
				t.Fatal(err)
			}
		}
		err := e.h.File.Handle(ctx, "f", &events.AudienceFileUploaded{Audience: events.Audience{ID: "a"}, Source: events.Source{ObjectStore: &ref}})
		if c := pipeline.ClassOf(err); c != pipeline.ClassPermanent || !strings.Contains(fmt.Sprint(err), "source not found") {
			t.Fatalf("%+v: class %s err %v", ref, c, err)
		}
	}
}

func TestFileFromObjectStore(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	store, err := e.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "uploads"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutString(ctx, "2026/11/bf.csv", "Number,Tier\n0821234567,gold\nnope,x\n"); err != nil {
		t.Fatal(err)
	}
	e.h.File.opener = LocationOpener{JS: e.js}
	ev := &events.AudienceFileUploaded{Audience: events.Audience{ID: "bf"},
		Source: events.Source{ObjectStore: &events.ObjectStoreRef{Bucket: "uploads", Key: "2026/11/bf.csv"}}}
	if err := e.h.File.Handle(ctx, "file-os", ev); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.sb.Audience("bf"); len(got) != 1 || got[0] != "+27821234567" {
		t.Fatalf("audience = %v", got)
	}
	if rep := e.report(t, "file-os"); rep.RowsAccepted != 1 || rep.RowsRejected != 1 || rep.Rejected[0].Row != 3 {
		t.Fatalf("report = %+v", rep)
	}
}

// TestMapNumbersIsE164PerRow: a chunk's mapped numbers and errors are, row
// by row, what Mapper.E164 says, around malformed rows, bad numbers and
// rows without the column; a reused chunk maps afresh.
func TestMapNumbersIsE164PerRow(t *testing.T) {
	m := e164.Mapper{DefaultRegion: "ZA"}
	rows := [][]string{{"082 123 4567"}, {"bad"}, {"+27 82 765 4321"}, {}, {"malformed"}, {"0821110000"}}
	c := &fileChunk{}
	for round := range 2 {
		c.reset()
		for i, rec := range rows {
			var rowErr error
			if len(rec) > 0 && rec[0] == "malformed" {
				rowErr = errors.New("malformed row")
			}
			c.add(i+2, rec, rowErr)
		}
		c.mapNumbers(m, 0)
		for i, rec := range rows {
			want, werr := "", c.rowErrs[i]
			if werr == nil {
				raw := ""
				if len(rec) > 0 {
					raw = rec[0]
				}
				want, werr = m.E164(raw)
			}
			if got, err := c.numbers[i], c.mapErrs[i]; got != want || (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Errorf("round %d row %d: %q, %v; want %q, %v", round, i, got, err, want, werr)
			}
		}
	}
}
