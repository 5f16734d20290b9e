package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nyaruka/phonenumbers"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/sources"
)

// defaultImportSandboxURL is the sandbox of a running `campaignflow run`
// with no API key: where import goes when CHATINC_API_KEY is unset.
const defaultImportSandboxURL = "http://127.0.0.1:8089"

// importOptions are the flags of `campaignflow import`.
type importOptions struct {
	csvPath, audience, audienceName, group, numberColumn, region, reportPath, id, chatincURL string
	maps                                                                                     []string
	batch                                                                                    int
	interval                                                                                 time.Duration
}

func newImportCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --csv FILE --audience ID [--variable-group ID] [--map COL=FIELD ...]",
		Short: "Load a CSV straight into a Chat Inc audience (no bus), with a progress bar and a row error report",
		Long: `import reads a CSV a row at a time and sends the good rows to Chat Inc in batches while
reading, so memory stays flat at any size. It is what an audience-file-uploaded event does,
without NATS: the same CSV dialects (UTF-8 BOM; , ; or tab; quoted fields; headers matched
case-insensitively), the same E.164 conversion of numbers (--region for numbers written
without a country code) and the same per-row report.

Columns: --number-column names the phone number's column (default "number"). With
--variable-group, --map COL=FIELD (repeatable) names the columns that become the group's
fields; without --map every other column becomes a field (header "First Name" -> first_name).

Rejected rows (bad number, malformed row) never stop the import: each is reported with its
row number (the header is row 1), column, masked value and reason; --report FILE writes them
(.csv: row,column,value,reason; else the ingest_report.v1 JSON), otherwise the first ` + fmt.Sprint(importSummaryRows) + `
are printed on stderr. The exit code is 0 when the file was read to the end, 1 when the
import stopped (unreadable file, missing column, Chat Inc refused a batch); batches sent
before that stay, and running the import again is safe (contacts merge by number).

Chat Inc: with CHATINC_API_KEY set, the API at --chatinc-url, else $CHATINC_URL, else
` + config.DefaultChatIncURL + `. Without CHATINC_API_KEY import targets a SANDBOX, never real
people: --chatinc-url, default ` + defaultImportSandboxURL + `, the sandbox that a running
` + "`campaignflow run`" + ` (no API key) or ` + "`campaignflow sim`" + ` serves.

Progress goes to stderr: a bar on a terminal, else a line every --progress-interval.`,
		Example: `  campaignflow import --csv customers.csv --audience vip-shoppers
  campaignflow import --csv bf.csv --audience black-friday-list --variable-group customers \
      --number-column Phone --map "First Name=first_name" --map Tier=tier --report rejected.csv
  CHATINC_API_KEY=... campaignflow import --csv uk.csv --audience uk --region GB`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runImport(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.csvPath, "csv", "", "the CSV file (- for stdin)")
	f.StringVar(&o.audience, "audience", "", "id of the Chat Inc audience the rows join (created if missing)")
	f.StringVar(&o.audienceName, "audience-name", "", "name of the audience when it is created (default: its id)")
	f.StringVar(&o.group, "variable-group", "", "id of the variable group the mapped columns fill (default: contacts only)")
	f.StringArrayVar(&o.maps, "map", nil, "COL=FIELD: CSV column COL fills variable-group field FIELD (repeatable; needs --variable-group)")
	f.StringVar(&o.numberColumn, "number-column", "", `the phone number's column (default "number")`)
	f.StringVar(&o.region, "region", "ZA", "region (ISO 3166) of numbers written without a country code")
	f.StringVar(&o.reportPath, "report", "", "write the rejected rows here (.csv, else ingest_report.v1 JSON)")
	f.StringVar(&o.id, "id", "", "id of this import in the report (default import-<audience>-<time>)")
	f.StringVar(&o.chatincURL, "chatinc-url", "", "Chat Inc API base URL (default: $CHATINC_URL or "+config.DefaultChatIncURL+
		" with CHATINC_API_KEY set; without it the sandbox at "+defaultImportSandboxURL+")")
	f.IntVar(&o.batch, "batch-size", chatinc.DefaultBatchSize, "contacts per Chat Inc request (1..1000)")
	f.DurationVar(&o.interval, "progress-interval", 5*time.Second, "off a terminal: print a progress line this often")
	_ = cmd.MarkFlagRequired("csv")
	_ = cmd.MarkFlagRequired("audience")
	return cmd
}

// importTarget resolves the Chat Inc URL and key: real Chat Inc needs
// CHATINC_API_KEY; without it the target is a sandbox, which accepts any key.
func importTarget(flagURL string, getenv func(string) string) (url, key string, sandbox bool) {
	key = getenv("CHATINC_API_KEY")
	if key == "" {
		if flagURL == "" {
			flagURL = defaultImportSandboxURL
		}
		return flagURL, "sandbox", true
	}
	url = flagURL
	if url == "" {
		url = getenv("CHATINC_URL")
	}
	if url == "" {
		url = config.DefaultChatIncURL
	}
	return url, key, false
}

// fieldIDPattern is what Chat Inc accepts as a field or a variable group id
// (see events).
var fieldIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// importColumns turns --number-column and --map into the event's columns.
func importColumns(numberColumn string, maps []string) (*events.Columns, error) {
	cols := &events.Columns{Number: strings.TrimSpace(numberColumn)}
	for _, m := range maps {
		i := strings.LastIndexByte(m, '=')
		if i <= 0 || i == len(m)-1 {
			return nil, fmt.Errorf("import: --map %q: want COL=FIELD, e.g. --map \"First Name=first_name\"", m)
		}
		col, field := strings.TrimSpace(m[:i]), strings.TrimSpace(m[i+1:])
		if !fieldIDPattern.MatchString(field) || field == "number" {
			return nil, fmt.Errorf("import: --map %q: field %q must be letters, digits, _ or - and not \"number\" (it appears in {group.field} placeholders)", m, field)
		}
		if cols.Fields == nil {
			cols.Fields = map[string]string{}
		}
		if prev, dup := cols.Fields[field]; dup {
			return nil, fmt.Errorf("import: --map: field %q is mapped twice (columns %q and %q)", field, prev, col)
		}
		cols.Fields[field] = col
	}
	if cols.Number == "" && cols.Fields == nil {
		return nil, nil
	}
	return cols, nil
}

func runImport(cmd *cobra.Command, o importOptions) error {
	if len(o.maps) > 0 && o.group == "" {
		return fmt.Errorf("import: --map names variable-group fields; add --variable-group ID (or drop --map to load contacts only)")
	}
	if o.batch < 1 || o.batch > chatinc.DefaultBatchSize {
		return fmt.Errorf("import: --batch-size %d must be between 1 and %d (Chat Inc's limit per request)", o.batch, chatinc.DefaultBatchSize)
	}
	if err := ids.Check(o.audience); err != nil {
		return fmt.Errorf("import: --audience: %s", strings.TrimPrefix(err.Error(), "ids: "))
	}
	if o.group != "" && (!fieldIDPattern.MatchString(o.group) || len(o.group) > ids.MaxLen) {
		return fmt.Errorf("import: --variable-group %s must be 1 to %d letters, digits, _ or - (it is used in {group.field} placeholders)",
			ids.Quote(o.group), ids.MaxLen)
	}
	if o.id != "" {
		if err := ids.Check(o.id); err != nil {
			return fmt.Errorf("import: --id: %s", strings.TrimPrefix(err.Error(), "ids: "))
		}
	}
	if err := importRegionProblem(o.region); err != nil {
		return err
	}
	cols, err := importColumns(o.numberColumn, o.maps)
	if err != nil {
		return err
	}
	in, size, closeIn, err := openImportCSV(cmd, o.csvPath)
	if err != nil {
		return err
	}
	defer closeIn()

	stderr, stdout := cmd.ErrOrStderr(), cmd.OutOrStdout()
	url, key, sandbox := importTarget(o.chatincURL, os.Getenv)
	if sandbox {
		fmt.Fprintf(stderr, "import: CHATINC_API_KEY is not set: loading into the Chat Inc SANDBOX at %s (nothing reaches real people); set CHATINC_API_KEY for the real API\n", url)
	}
	client, err := chatinc.New(url, key, chatinc.WithBatchSize(o.batch))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if o.id == "" {
		o.id = fmt.Sprintf("import-%s-%s", o.audience, time.Now().UTC().Format("20060102T150405Z"))
	}
	var group *events.VariableGroupRef
	if o.group != "" {
		group = &events.VariableGroupRef{ID: o.group, Name: o.group}
	}
	log := slog.New(slog.DiscardHandler)
	if cmd.Flags().Changed("log-level") {
		log = loggerFrom(cmd)
	}
	var read atomic.Int64
	tty := false
	if f, ok := stderr.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	prog := newImportProgress(stderr, tty, size, &read, o.interval, clockwork.NewRealClock())
	lastRow := 0
	start := time.Now()
	rep, err := handlers.ImportCSV(cmd.Context(), client, countingReader{r: in, n: &read}, handlers.ImportOptions{
		ID: o.id, Audience: events.Audience{ID: o.audience, Name: o.audienceName}, Columns: cols, VariableGroup: group,
		DefaultRegion: o.region, BatchSize: o.batch, Logger: log,
		OnRow: func(n int) { lastRow = n; prog.row(n) },
	})
	prog.done()
	var ce *handlers.ColumnsError
	if errors.As(err, &ce) {
		flag := map[string]string{"columns.number": "--number-column", "columns.fields": "--map COL=FIELD"}[ce.Key]
		return fmt.Errorf("import: %s: %s; name it with %s", o.csvPath, ce.What, flag)
	}
	if err != nil && cmd.Context().Err() != nil {
		return fmt.Errorf("import: interrupted at row %d of %s (%s read): the batches sent before it stay in audience %q; rerunning is safe (contacts merge by number)",
			lastRow, o.csvPath, groupDigits(int(read.Load()))+" bytes", o.audience)
	}
	if err != nil {
		return fmt.Errorf("import: stopped at row %d of %s (rows before it may already be in audience %q; rerunning is safe): %w", lastRow, o.csvPath, o.audience, err)
	}
	if o.reportPath != "" {
		if err := writeImportReport(o.reportPath, rep); err != nil {
			return err
		}
	}
	where := "Chat Inc"
	if sandbox {
		where = "the sandbox"
	}
	groupNote := ""
	if group != nil {
		groupNote = fmt.Sprintf(" and variable group %q", group.ID)
	}
	fmt.Fprintf(stdout, "imported %s into audience %q%s at %s (%s) in %s: %d rows, %d accepted, %d rejected\n",
		o.csvPath, o.audience, groupNote, where, client.BaseURL(), time.Since(start).Round(time.Millisecond),
		rep.RowsTotal, rep.RowsAccepted, rep.RowsRejected)
	writeImportSummary(stderr, rep, o.reportPath)
	return nil
}

// importRegionProblem refuses a --region that has no phone numbers (every
// row would fail), as validate does for mapping.default_region.
func importRegionProblem(r string) error {
	if phonenumbers.GetCountryCodeForRegion(r) != 0 {
		return nil
	}
	hint := "an ISO 3166 region phone numbers are read in, e.g. ZA, US, GB"
	if up := strings.ToUpper(r); phonenumbers.GetCountryCodeForRegion(up) != 0 {
		hint = "write " + up
	}
	return fmt.Errorf("import: --region %q is not a region with phone numbers (%s)", r, hint)
}

// openImportCSV opens --csv (stdin for "-") and returns its size (0 when
// unknown). Only a regular file is opened (a FIFO would block the open for
// ever); stdin is read so that cancelling the command stops a blocked read.
func openImportCSV(cmd *cobra.Command, path string) (io.Reader, int64, func(), error) {
	if path == "-" {
		return &ctxReader{ctx: cmd.Context(), r: cmd.InOrStdin()}, 0, func() {}, nil
	}
	f, err := sources.OpenRegular(filepath.Clean(path))
	var nr *sources.NotRegularError
	switch {
	case errors.As(err, &nr):
		return nil, 0, nil, fmt.Errorf("import: --csv %s is a %s, not a regular file; give a CSV file (or - for standard input)", path, nr.Kind)
	case err != nil:
		return nil, 0, nil, fmt.Errorf("import: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, nil, fmt.Errorf("import: %w", err)
	}
	return f, st.Size(), func() { _ = f.Close() }, nil
}
