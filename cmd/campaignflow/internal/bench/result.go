package bench

import (
	"fmt"
	"io"
	"text/tabwriter"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Figure is one side of a comparison: what was measured and its rate.
type Figure struct {
	Label string  // what ran, e.g. "raw nats.go pull consume + ack"
	Rate  float64 // in the result's Unit
}

// Metric is an extra measurement (peak heap, CPU per item, counts).
type Metric struct {
	Name  string
	Value float64
	Unit  string
}

// Result is one benchmark: the anchor and the project side by side, the
// issue's target and whether it was met.
type Result struct {
	Name    string // e.g. "ingest"
	Unit    string // e.g. "msg/s"
	Count   int    // items each side processed
	Anchor  Figure
	Project Figure
	Target  string // the target, in words
	Pass    bool   // the target was met
	Metrics []Metric
	Notes   []string // what was chosen and why (printed under the table)
}

// Ratio is Project.Rate / Anchor.Rate (0 without an anchor).
func (r Result) Ratio() float64 {
	if r.Anchor.Rate <= 0 {
		return 0
	}
	return r.Project.Rate / r.Anchor.Rate
}

// Verdict is PASS or BELOW.
func (r Result) Verdict() string {
	if r.Pass {
		return "PASS"
	}
	return "BELOW"
}

// Metric returns the value of the named extra metric.
func (r Result) Metric(name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// WriteTable prints each result as a small table: anchor and project with
// their rates, the ratio, the target and PASS/BELOW, then the extra metrics
// and notes.
func WriteTable(w io.Writer, results ...Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s (%d items each side)\n", r.Name, r.Count)
		fmt.Fprintf(tw, "  \t\t%s\n", r.Unit)
		fmt.Fprintf(tw, "  anchor\t%s\t%s\n", r.Anchor.Label, human(r.Anchor.Rate))
		fmt.Fprintf(tw, "  project\t%s\t%s\n", r.Project.Label, human(r.Project.Rate))
		fmt.Fprintf(tw, "  ratio\tproject / anchor\t%.2f\n", r.Ratio())
		fmt.Fprintf(tw, "  target\t%s\t%s\n", r.Target, r.Verdict())
		for _, m := range r.Metrics {
			fmt.Fprintf(tw, "  \t%s\t%s %s\n", m.Name, human(m.Value), m.Unit)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	return tw.Flush()
}

// human prints 1234567.8 as "1,234,568" and small values with decimals.
func human(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.2f", v)
	}
	return english.Sprintf("%.0f", v)
}

// english prints numbers with thousands separators.
var english = message.NewPrinter(language.English)
