package sandbox

import (
	"strings"
	"testing"
)

// FuzzCSVUpload feeds arbitrary files to the upload reader: it never panics,
// every accepted row is a normalised number, and rows add up.
func FuzzCSVUpload(f *testing.F) {
	for _, s := range []string{"number\n+27821234567\n", "\ufeffNumber;a\n1234567;x\n", "a\tnumber\n\"q\"\"\"\t+1 (555) 123-4567\n", "", "number\n\"unterminated\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		up := &csvUpload{form: map[string]string{}}
		if err := up.readCSV(strings.NewReader(data), true); err != nil {
			return
		}
		for _, n := range up.rows {
			if !strings.HasPrefix(n, "+") || len(n) < 8 || len(n) > 16 {
				t.Fatalf("accepted %q", n)
			}
		}
		if len(up.rows)+up.rejCount != up.total {
			t.Fatalf("rows %d + rejected %d != total %d", len(up.rows), up.rejCount, up.total)
		}
	})
}

func FuzzParseFaults(f *testing.F) {
	f.Add("/v1/run/campaign=drop@1x1,*=429@0.2:1")
	f.Fuzz(func(t *testing.T, spec string) {
		fs, err := ParseFaults(spec)
		if err != nil {
			return
		}
		for _, x := range fs {
			if x.Rate < 0 || x.Rate > 1 {
				t.Fatalf("rate %v", x.Rate)
			}
		}
	})
}
