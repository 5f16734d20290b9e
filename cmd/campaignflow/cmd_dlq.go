package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// dlqTimeout bounds one dlq command (replay --all of a large DLQ included).
const dlqTimeout = 5 * time.Minute

func newDLQCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List, show, replay and purge the dead-letter stream",
		Long: `dlq works on the dead-letter stream (CHATINC_DLQ, subjects <prefix>.dlq.<type>): events
the worker gave up on, with the original payload and headers and the Campaignflow-* headers
saying why (class validation, permanent, exhausted or decode).

Replay re-publishes a dead letter to its original subject with a fresh Nats-Msg-Id and
removes it from the DLQ only after the events stream acked the publish.`,
		Example: `  campaignflow dlq list --type send-promo
  campaignflow dlq show 12
  campaignflow dlq replay 12
  campaignflow dlq replay --all --type customer-segment-updated
  campaignflow dlq purge --yes`,
	}
	addNATSFlags(cmd.PersistentFlags())
	cmd.AddCommand(newDLQListCmd(), newDLQShowCmd(), newDLQReplayCmd(), newDLQPurgeCmd())
	return cmd
}

// withDLQ connects and runs f on the dead-letter stream, within dlqTimeout.
func withDLQ(cmd *cobra.Command, f func(ctx context.Context, d *pipeline.DLQ, bus *busConn) error) error {
	return withBus(cmd, dlqTimeout, func(ctx context.Context, bus *busConn) error {
		if _, err := bus.js.Stream(ctx, bus.names.DLQStream); err != nil {
			return missingResource(fmt.Errorf("dlq: %w", err), "dead-letter stream", bus.names.DLQStream, bus.url)
		}
		return f(ctx, pipeline.NewDLQ(bus.js, bus.names), bus)
	})
}

func newDLQListCmd() *cobra.Command {
	var (
		typ    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, oldest first: seq, time, type, class, reason, event id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDLQ(cmd, func(ctx context.Context, d *pipeline.DLQ, _ *busConn) error {
				if asJSON {
					return writeDeadLettersJSON(cmd.OutOrStdout(), d.All(ctx, typ))
				}
				return writeDeadLetters(cmd.OutOrStdout(), d.All(ctx, typ), typ)
			})
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "only dead letters of this event type")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

// tableRows is how many rows of a table are aligned and written at once, so
// a long dead-letter list prints as it is read.
const tableRows = 256

// writeDeadLetters prints the dead letters as a table, as they are read.
func writeDeadLetters(w io.Writer, dls iter.Seq2[pipeline.DeadLetter, error], typ string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	n := 0
	for dl, err := range dls {
		if err != nil {
			_ = tw.Flush()
			return err
		}
		if n%tableRows == 0 {
			_ = tw.Flush()
			fmt.Fprintln(tw, "SEQ\tFAILED AT\tTYPE\tCLASS\tREASON\tEVENT ID")
		}
		n++
		at := "-"
		if !dl.FailedAt.IsZero() {
			at = dl.FailedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", dl.Seq, at, orDash(dl.Type), orDash(dl.Class), orDash(oneLine(dl.Error, 72)), orDash(shownID(oneLine(dl.EventID, 64))))
	}
	_ = tw.Flush()
	switch {
	case n > 0:
		fmt.Fprintf(w, "%d dead letter(s); `campaignflow dlq show SEQ` for headers and payload\n", n)
	case typ != "":
		fmt.Fprintf(w, "no dead letters of type %s\n", typ)
	default:
		fmt.Fprintln(w, "no dead letters")
	}
	return nil
}

// writeDeadLettersJSON prints the dead letters as one indented JSON array,
// element by element as they are read.
func writeDeadLettersJSON(w io.Writer, dls iter.Seq2[pipeline.DeadLetter, error]) error {
	bw := bufio.NewWriter(w)
	n := 0
	for dl, err := range dls {
		if err != nil {
			_ = bw.Flush()
			return err
		}
		b, err := json.MarshalIndent(dl, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if n == 0 {
			sep = "[\n  "
		}
		n++
		_, _ = bw.WriteString(sep)
		_, _ = bw.Write(b)
	}
	if n == 0 {
		_, _ = bw.WriteString("[]\n")
	} else {
		_, _ = bw.WriteString("\n]\n")
	}
	return bw.Flush()
}

func newDLQShowCmd() *cobra.Command {
	var bodyOnly bool
	cmd := &cobra.Command{
		Use:   "show SEQ [--body]",
		Short: "Show one dead letter: its headers and its payload, pretty-printed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := parseSeq(args[0])
			if err != nil {
				return err
			}
			return withDLQ(cmd, func(ctx context.Context, d *pipeline.DLQ, _ *busConn) error {
				dl, err := d.Show(ctx, seq)
				if err != nil {
					return err
				}
				body, err := d.Body(ctx, dl)
				if err != nil {
					return err
				}
				if bodyOnly {
					_, err := cmd.OutOrStdout().Write(append(bytes.TrimSpace(body), '\n'))
					return err
				}
				writeDeadLetter(cmd.OutOrStdout(), dl, body)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&bodyOnly, "body", false, "print only the body, as stored (to correct it and replay it with --file)")
	return cmd
}

// writeDeadLetter prints a dead letter's headers (sorted) and payload
// (body: its own, or the original's when it was stored without it).
func writeDeadLetter(w io.Writer, dl *pipeline.DeadLetter, body []byte) {
	fmt.Fprintf(w, "Dead letter %d on %s\n\nHeaders:\n", dl.Seq, dl.Subject)
	keys := make([]string, 0, len(dl.Header))
	for k := range dl.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range dl.Header[k] {
			if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				v = strconv.Quote(v) // a header from outside: show its bad bytes escaped
			}
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
	if dl.BodyOmitted != "" {
		fmt.Fprintf(w, "\nPayload (%d bytes; too large for the dead letter, read from the original: %s):\n", len(body), dl.BodyOmitted)
	} else {
		fmt.Fprintf(w, "\nPayload (%d bytes):\n", len(body))
	}
	var pretty bytes.Buffer
	switch {
	case json.Indent(&pretty, body, "  ", "  ") == nil:
		fmt.Fprintf(w, "  %s\n", pretty.String())
	case utf8.Valid(body):
		fmt.Fprintf(w, "  %s\n", body)
	default:
		fmt.Fprintf(w, "  %q\n", body)
	}
}

func newDLQReplayCmd() *cobra.Command {
	var (
		all, force      bool
		typ, data, file string
	)
	cmd := &cobra.Command{
		Use:   "replay (SEQ [--data JSON | --file F] | --all [--type T]) [--force]",
		Short: "Re-publish dead letters to their original subject (fresh Nats-Msg-Id); remove each once acked",
		Long: `replay re-publishes dead letters to their original subject with a fresh Nats-Msg-Id and removes
each from the DLQ once the events stream acked it.

A dead letter of class validation or decode whose body still fails the event's checks is not
replayed (it would only come back): fix the publisher, or replay it with a corrected body with
--data JSON or --file F (- for stdin; checked the same way). --force replays it as it is.`,
		Example: `  campaignflow dlq replay 12
  campaignflow dlq show 12 --body > fixed.json   # correct fixed.json, then:
  campaignflow dlq replay 12 --file fixed.json
  campaignflow dlq replay --all --type send-promo`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case all && (data != "" || file != ""):
				return fmt.Errorf("dlq replay: --data and --file replace the body of one dead letter; give its SEQ, not --all")
			case data != "" && file != "":
				return fmt.Errorf("dlq replay: give --data or --file, not both")
			case all && len(args) > 0:
				return fmt.Errorf("dlq replay: give SEQ or --all, not both")
			case !all && len(args) != 1:
				return fmt.Errorf("dlq replay: give the SEQ of one dead letter (see `campaignflow dlq list`) or --all")
			case !all && typ != "":
				return fmt.Errorf("dlq replay: --type filters --all; to replay one dead letter give only its SEQ")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			return withDLQ(cmd, func(ctx context.Context, d *pipeline.DLQ, bus *busConn) error {
				var seqs []uint64
				if all {
					var err error
					if seqs, err = d.Seqs(ctx, typ); err != nil {
						return err
					}
				} else {
					seq, err := parseSeq(args[0])
					if err != nil {
						return err
					}
					seqs = []uint64{seq}
				}
				body, err := replayBody(cmd, data, file)
				if err != nil {
					return err
				}
				replayed, skipped := 0, 0
				for i, seq := range seqs {
					dl, err := d.Show(ctx, seq)
					if err != nil {
						return replayStopped(err, i, len(seqs))
					}
					why, err := stillInvalid(ctx, d, dl, body)
					if err != nil {
						return replayStopped(err, i, len(seqs))
					}
					if why != "" && !force {
						switch {
						case body != nil:
							return exitError{code: 1, msg: fmt.Sprintf("campaignflow: dlq replay: the body given for dead letter %d (%s) would fail too: %s\n"+
								"  correct it and replay again (or --force to replay it as it is)", seq, orDash(dl.Type), why)}
						case !all:
							return exitError{code: 1, msg: fmt.Sprintf("campaignflow: dlq replay: dead letter %d (%s %s) would fail again: %s\n"+
								"  fix it: `campaignflow dlq show %d --body > fixed.json`, correct the file, then `campaignflow dlq replay %d --file fixed.json` (or --force to replay it as it is)",
								seq, orDash(dl.Type), orDash(shownID(dl.EventID)), why, seq, seq)}
						}
						fmt.Fprintf(out, "skipped dead letter %d (%s %s): it would fail again: %s; replay it with --file F or --data JSON\n",
							seq, orDash(dl.Type), orDash(shownID(dl.EventID)), oneLine(why, 200))
						skipped++
						continue
					}
					newSeq, err := d.ReplayWith(ctx, seq, body)
					if err != nil {
						return replayStopped(err, i, len(seqs))
					}
					replayed++
					edited := ""
					if body != nil {
						edited = " with the given body"
					}
					fmt.Fprintf(out, "replayed dead letter %d (%s %s)%s to %s: stream %s seq %d; removed from the DLQ\n",
						seq, orDash(dl.Type), orDash(shownID(dl.EventID)), edited, dl.OriginalSubject, bus.names.EventsStream, newSeq)
				}
				if all {
					fmt.Fprintf(out, "%d dead letter(s) replayed", replayed)
					if skipped > 0 {
						fmt.Fprintf(out, ", %d skipped (they would fail again)", skipped)
					}
					fmt.Fprintln(out)
					if skipped > 0 {
						// A script must not take "some were left behind" for success.
						return exitError{code: 1, msg: fmt.Sprintf("campaignflow: dlq replay --all: %d dead letter(s) skipped: they would fail again and are still in the DLQ\n"+
							"  fix each: `campaignflow dlq show SEQ --body > fixed.json`, correct the file, `campaignflow dlq replay SEQ --file fixed.json` (or --force)", skipped)}
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "replay every dead letter (of --type, if given)")
	cmd.Flags().StringVar(&typ, "type", "", "with --all: only dead letters of this event type")
	cmd.Flags().StringVar(&data, "data", "", "replay with this JSON body instead of the dead letter's (a corrected event)")
	cmd.Flags().StringVar(&file, "file", "", "replay with the body in this file (- for stdin) instead of the dead letter's")
	cmd.Flags().BoolVar(&force, "force", false, "replay even a body that fails the event's checks")
	return cmd
}

// replayBody is the body given with --data or --file (nil: none).
func replayBody(cmd *cobra.Command, data, file string) ([]byte, error) {
	switch {
	case data != "":
		return []byte(data), nil
	case file != "":
		b, err := readValidateInput(cmd.InOrStdin(), file)
		if err != nil {
			return nil, fmt.Errorf("dlq replay: --file %s: %w", file, err)
		}
		return b, nil
	}
	return nil, nil
}

// stillInvalid says why a dead letter's body (or the replacement body)
// would be dead-lettered again by the worker's own checks ("" if it would
// not). A body given explicitly is always checked; the dead letter's own
// (read from the events stream when it was stored without it) only when it
// failed validation or decode.
func stillInvalid(ctx context.Context, d *pipeline.DLQ, dl *pipeline.DeadLetter, body []byte) (string, error) {
	if body == nil {
		if dl.Class != "validation" && dl.Class != "decode" {
			return "", nil
		}
		var err error
		if body, err = d.Body(ctx, dl); err != nil {
			return "", err
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "the body is empty", nil
	}
	if p := publishProblems(dl.Type, bytes.TrimSpace(body)); len(p) > 0 {
		return strings.Join(p, "; "), nil
	}
	return "", nil
}

func replayStopped(err error, done, total int) error {
	if total == 1 {
		return err
	}
	return fmt.Errorf("dlq replay stopped after %d of %d: %w", done, total, err)
}

func newDLQPurgeCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "purge --yes",
		Short: "Remove every dead letter (needs --yes)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDLQ(cmd, func(ctx context.Context, d *pipeline.DLQ, bus *busConn) error {
				s, err := bus.js.Stream(ctx, bus.names.DLQStream)
				if err != nil {
					return err
				}
				info, err := s.Info(ctx)
				if err != nil {
					return err
				}
				n := info.State.Msgs
				if !yes {
					return exitError{code: 1, msg: fmt.Sprintf("campaignflow: dlq purge would remove %d dead letter(s) from %s for good; rerun with --yes (see them first with `campaignflow dlq list`)", n, bus.names.DLQStream)}
				}
				if err := d.Purge(ctx); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "purged %d dead letter(s) from %s\n", n, bus.names.DLQStream)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really remove every dead letter")
	return cmd
}

func parseSeq(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("dlq: %q is not a sequence number; see the SEQ column of `campaignflow dlq list`", s)
	}
	return n, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine squeezes s onto one line of at most n runes.
// shownID is an event id fit to print: as it is when it is a valid id,
// else quoted with its bad bytes escaped (a raw 0xff would also break the
// table: text/tabwriter's escape byte).
func shownID(id string) string {
	if id == "" || ids.Check(id) == nil {
		return id
	}
	return ids.Quote(id)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
