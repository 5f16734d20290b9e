package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// ledgerTimeout bounds one ledger command.
const ledgerTimeout = time.Minute

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "List, show and forget entries of the idempotency ledger",
		Long: `ledger works on the idempotency ledger (KV bucket campaignflow_ledger, names.ledger_bucket):
one entry per promo campaign (promo.<id>.campaign) and per run (promo.<id>.run.<time>,
campaign.<id>.run.<time>), holding the state (intent or done), the Chat Inc campaign and
run ids and when.

Forget an entry when the worker says the ledger and Chat Inc disagree (e.g. the campaign
of an entry is gone from Chat Inc): the next event for that promo creates it afresh.`,
		Example: `  campaignflow ledger list
  campaignflow ledger list --prefix promo.bf-2026.
  campaignflow ledger show promo.bf-2026.campaign
  campaignflow ledger forget promo.bf-2026.campaign --yes`,
	}
	addNATSFlags(cmd.PersistentFlags())
	cmd.AddCommand(newLedgerListCmd(), newLedgerShowCmd(), newLedgerForgetCmd())
	return cmd
}

// withLedger connects and runs f on the ledger bucket.
func withLedger(cmd *cobra.Command, f func(l *ledger.Ledger) error) error {
	return withBus(cmd, ledgerTimeout, func(ctx context.Context, bus *busConn) error {
		kv, err := bus.keyValue(ctx, "ledger", bus.names.LedgerBucket)
		if err != nil {
			return err
		}
		return f(ledger.New(kv))
	})
}

// withLedgerEntry runs f on the entry under key (as showLedgerKey finds
// it), or says there is none.
func withLedgerEntry(cmd *cobra.Command, key string, f func(l *ledger.Ledger, e ledger.Entry) error) error {
	return withLedger(cmd, func(l *ledger.Ledger) error {
		e, err := showLedgerKey(cmd, l, key)
		if err != nil {
			return ledgerKeyError(err)
		}
		return f(l, e)
	})
}

func newLedgerListCmd() *cobra.Command {
	var (
		prefix string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List ledger entries by key: state, campaign, run, when",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withLedger(cmd, func(l *ledger.Ledger) error {
				es, err := l.List(cmd.Context(), prefix)
				if err != nil {
					return err
				}
				for _, escaped := range escapedLedgerPrefixes(prefix) {
					if len(es) > 0 {
						break
					}
					if es, err = l.List(cmd.Context(), escaped); err != nil {
						return err
					}
					if len(es) > 0 {
						fmt.Fprintf(cmd.ErrOrStderr(), "ledger: keys starting %s are stored starting %s (ids are escaped in keys); listing those\n", prefix, escaped)
					}
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), es)
				}
				writeLedgerEntries(cmd.OutOrStdout(), es, prefix)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "", "only keys starting with this, e.g. promo.bf-2026.")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

// writeLedgerEntries prints entries as a table.
func writeLedgerEntries(w io.Writer, es []ledger.Entry, prefix string) {
	if len(es) == 0 {
		if prefix != "" {
			fmt.Fprintf(w, "no ledger entries starting with %q\n", prefix)
		} else {
			fmt.Fprintln(w, "no ledger entries")
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSTATE\tCAMPAIGN\tRUN\tUPDATED")
	for _, e := range es {
		state := e.Record.State
		if e.Invalid != "" {
			state = "invalid"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Key, orDash(state), orDash(e.Record.Outcome.CampaignID), orDash(e.Record.Outcome.RunID),
			e.Updated.UTC().Format(time.RFC3339))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d entr%s; `campaignflow ledger show KEY` for one in full\n", len(es), map[bool]string{true: "y", false: "ies"}[len(es) == 1])
}

func newLedgerShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show KEY",
		Short: "Show one ledger entry as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLedgerEntry(cmd, args[0], func(_ *ledger.Ledger, e ledger.Entry) error {
				return writeJSON(cmd.OutOrStdout(), e)
			})
		},
	}
}

func newLedgerForgetCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "forget KEY --yes",
		Short: "Remove one ledger entry (needs --yes): the next event for it starts afresh",
		Long: `forget removes one ledger entry and its history. The next event for its promo (or the next
tick of its schedule) then creates the campaign or the run again in Chat Inc. Use it when the
worker says the entry and Chat Inc disagree; forgetting the entry of a campaign or run that
Chat Inc still has makes a second one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLedgerEntry(cmd, args[0], func(l *ledger.Ledger, e ledger.Entry) error {
				if !yes {
					return exitError{code: 1, msg: fmt.Sprintf("campaignflow: ledger forget would remove %s (state %s, campaign %s, run %s); rerun with --yes",
						e.Key, orDash(e.Record.State), orDash(e.Record.Outcome.CampaignID), orDash(e.Record.Outcome.RunID))}
				}
				if err := l.Forget(cmd.Context(), e.Key); err != nil {
					return ledgerKeyError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "forgot %s; the next event for it creates it afresh (replay a dead letter with `campaignflow dlq replay SEQ`)\n", e.Key)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really remove the entry")
	return cmd
}

// showLedgerKey shows key; when there is no such key and key names a
// promo or campaign id as written (promo.bf.2026:a.campaign), the key with
// the id escaped as the worker stores it (promo.bf=2E2026=3Aa.campaign, see
// ids.Token) is shown instead, saying so on stderr.
func showLedgerKey(cmd *cobra.Command, l *ledger.Ledger, key string) (ledger.Entry, error) {
	e, err := l.Show(cmd.Context(), key)
	if !errors.Is(err, ledger.ErrNoEntry) {
		return e, err
	}
	escaped, ok := escapedLedgerKey(key)
	if !ok {
		return e, err
	}
	e2, err2 := l.Show(cmd.Context(), escaped)
	if err2 != nil {
		return e, err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "ledger: %s is stored as %s (ids are escaped in keys); using it\n", key, escaped)
	return e2, nil
}

// escapedLedgerKey is key with its id part escaped (ids.Token), for the
// key forms promo.<id>.campaign, promo.<id>.run.<x> and
// campaign.<id>.run.<x>; ok is false for another form or an id that needs
// no escaping.
func escapedLedgerKey(key string) (string, bool) {
	var prefix, id, suffix string
	switch {
	case strings.HasPrefix(key, "promo.") && strings.HasSuffix(key, ".campaign"):
		prefix, suffix = "promo.", ".campaign"
		id = strings.TrimSuffix(strings.TrimPrefix(key, prefix), suffix)
	case strings.HasPrefix(key, "promo."), strings.HasPrefix(key, "campaign."):
		prefix, _, _ = strings.Cut(key, ".")
		prefix += "."
		i := strings.LastIndex(key, ".run.")
		if i < len(prefix) || strings.Contains(key[i+len(".run."):], ".") {
			return "", false
		}
		id, suffix = key[len(prefix):i], key[i:]
	default:
		return "", false
	}
	if id == "" || ids.Token(id) == id {
		return "", false
	}
	return prefix + ids.Token(id) + suffix, true
}

// escapedLedgerPrefixes are the ways prefix may name an id as written,
// escaped as the worker stores it (ids.Token), most likely first: a whole
// key form (see escapedLedgerKey); promo.<id> or campaign.<id> followed by
// the start of a key word (".", ".camp", ".run", ".run.17..."); or
// promo.<start of an id> (an allowed id escapes byte by byte, so the start
// of an id escapes to the start of its escape). None when nothing needs
// escaping.
func escapedLedgerPrefixes(prefix string) []string {
	var out []string
	add := func(p string) {
		if p != prefix && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if k, ok := escapedLedgerKey(prefix); ok {
		add(k)
	}
	kind, rest, found := strings.Cut(prefix, ".")
	if !found || (kind != "promo" && kind != "campaign") {
		return out
	}
	for j := strings.LastIndex(rest, "."); j > 0; j = strings.LastIndex(rest[:j], ".") {
		id, tail := rest[:j], rest[j:]
		keyWord := strings.HasPrefix(".campaign", tail) || strings.HasPrefix(".run.", tail) || strings.HasPrefix(tail, ".run.")
		if keyWord && ids.Check(id) == nil {
			add(kind + "." + ids.Token(id) + tail)
		}
	}
	if rest != "" && ids.Check(rest) == nil {
		add(kind + "." + ids.Token(rest))
	}
	return out
}

// ledgerKeyError points at ledger list for a key that is not there.
func ledgerKeyError(err error) error {
	if errors.Is(err, ledger.ErrNoEntry) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("%w; see the keys with `campaignflow ledger list`", err)
	}
	return err
}
