package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/campaignflow/campaignflow/sinks"
)

// importSummaryRows is how many rejected rows the stderr summary lists.
const importSummaryRows = 10

// writeImportReport writes the row report to path: CSV (row, column,
// value, reason) when the name ends in .csv, else the ingest_report.v1
// JSON. Values are masked (last 3 characters shown).
func writeImportReport(path string, rep sinks.IngestReport) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("import: writing the report: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		err = writeReportCSV(tmp, rep)
	} else {
		enc := json.NewEncoder(tmp)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	}
	if err != nil {
		return fmt.Errorf("import: writing the report %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("import: writing the report %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("import: writing the report %s: %w", path, err)
	}
	return nil
}

func writeReportCSV(w io.Writer, rep sinks.IngestReport) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"row", "column", "value", "reason"})
	for _, r := range rep.Rejected {
		_ = cw.Write([]string{strconv.Itoa(r.Row), r.Column, r.Value, r.Reason})
	}
	if rep.RejectedOmitted > 0 {
		_ = cw.Write([]string{"", "", "", fmt.Sprintf("%d more rejected rows not listed (only the first %d are kept)", rep.RejectedOmitted, sinks.MaxReportedRowErrors)})
	}
	cw.Flush()
	return cw.Error()
}

// writeImportSummary says where the rejected rows are, or prints the first.
func writeImportSummary(w io.Writer, rep sinks.IngestReport, reportPath string) {
	if rep.RowsRejected == 0 {
		return
	}
	if reportPath != "" {
		fmt.Fprintf(w, "import: rejected rows written to %s\n", reportPath)
		return
	}
	fmt.Fprintf(w, "import: %d rejected row(s):\n", rep.RowsRejected)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROW\tCOLUMN\tVALUE\tREASON")
	for i, r := range rep.Rejected {
		if i == importSummaryRows {
			break
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", r.Row, orDash(r.Column), orDash(r.Value), oneLine(r.Reason, 100))
	}
	_ = tw.Flush()
	if more := rep.RowsRejected - int64(min(len(rep.Rejected), importSummaryRows)); more > 0 {
		fmt.Fprintf(w, "  ... and %d more; write every rejected row with --report FILE (.csv or .json)\n", more)
	}
}
