package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// Bounds of promo preview's flags.
const (
	previewDefaultSample      = 5
	previewMaxSample          = 100
	previewDefaultMaxContacts = 1_000_000
	previewDefaultTimeout     = 2 * time.Minute
)

// previewTransport, when set (by tests), wraps the Chat Inc client's
// transport of promo preview, e.g. to record every request.
var previewTransport func(http.RoundTripper) http.RoundTripper

func newPromoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "promo",
		Short: "Look at a send-promo before publishing it",
		Long: `promo works on send-promo events before they are published. See
` + "`campaignflow promo preview --help`" + `.`,
		Example: `  campaignflow promo preview --file deploy/events/send-promo.json`,
		Args:    usageArgs(cobra.NoArgs),
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.SetFlagErrorFunc(usageFlagError)
	cmd.AddCommand(newPromoPreviewCmd())
	return cmd
}

// previewOptions are the flags of promo preview.
type previewOptions struct {
	file, data, chatincURL, config string
	natsURL, natsCreds             string
	sample, maxContacts            int
	json                           bool
	timeout                        time.Duration
}

func newPromoPreviewCmd() *cobra.Command {
	var o previewOptions
	cmd := &cobra.Command{
		Use:   "preview (--file F | --data JSON) [--sample N]",
		Short: "Check a send-promo as the worker would, render it for sample contacts and estimate its reach; changes nothing",
		Long: `preview takes a send-promo event (the JSON published on chatinc.events.send-promo, or a
CloudEvents envelope holding it) and tells what the worker would do with it, without doing it:

  - the checks the worker applies (JSON Schema, then its own rules: ids, button mix,
    message, schedule), every problem named by the JSON pointer of its field;
  - the campaign it would create at Chat Inc (title, message, image, buttons, language,
    template type) and when it would run (now, at, or the next cron tick);
  - each {group.field} placeholder: whether Chat Inc has that variable group and field
    (else Chat Inc refuses the campaign) and how many numbers the group has values for;
  - the audiences (one Chat Inc does not have is a problem: the worker would retry,
    then dead-letter the promo) and the reach: the contacts of the audiences ("all":
    every audience) read from Chat Inc, each number counted once, invalid numbers
    left out, as "would send", "duplicates" and "invalid numbers";
  - the message for --sample contacts (numbers masked). Chat Inc fills placeholders
    from each number's values when it sends; its API gives no values back, so they
    show as written.

Only Chat Inc's read endpoints are called (retrieve audiences, audience contacts,
variable groups, campaigns): the client is read-only and refuses anything else before
sending. NATS is not needed: audiences and variable groups live in Chat Inc. With
--nats-url (or $CAMPAIGNFLOW_NATS_URL, or nats.url of the config) the worker's ledger is
read too (KV reads only, nothing is published): a promo id that has a campaign already is
run with that campaign (its message is what is sent, not the event's), a run recorded for
the same time is not made again, and a campaign the ledger names but Chat Inc lacks makes
the worker dead-letter the promo (a problem).

A run due inside quiet hours (the promo's quiet_hours, else promo.quiet_hours of --config
or $CAMPAIGNFLOW_CONFIG and the environment) starts at their end, as the worker does it.

Chat Inc: with CHATINC_API_KEY set, the API at --chatinc-url, else $CHATINC_URL, else
` + config.DefaultChatIncURL + `; without it the sandbox at --chatinc-url, default ` + defaultImportSandboxURL + `
(the one a ` + "`campaignflow run`" + ` without an API key, or ` + "`campaignflow sim`" + `, serves).
--max-contacts bounds the contacts read; past it the counts cover what was read
("complete": false).

Output: a table; --json prints one object (fields in README, "Previewing a promo").
A local-time promo (schedule.local_time) is shown per recipient zone, as the handler splits it:
each zone's run, its start (quiet hours read there), run key and reach.

Exit code 0: the worker would take the promo (no dead letter): create (or reuse) its campaign
and run it, or make no run when every contact is capped or the run is recorded already (the
output says which; --json: no_run). 1: it would fail (every problem listed, with its field),
the input cannot be read, or Chat Inc did not answer. 2: usage (flags, arguments).`,
		Example: `  campaignflow promo preview --file deploy/events/send-promo.json
  campaignflow promo preview --data '{"promo_id":"bf-2026","title":"Black Friday",
      "message":"Hi {customers.first_name}","audiences":["vip-shoppers"]}' --sample 10
  cat promo.json | campaignflow promo preview --file - --json
  CHATINC_API_KEY=... campaignflow promo preview --file promo.json --max-contacts 100000
  campaignflow promo preview --file promo.json --nats-url nats://127.0.0.1:4222`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return usageError(cmd, err)
			}
			return runPromoPreview(cmd, o)
		},
	}
	cmd.SetFlagErrorFunc(usageFlagError)
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "", "read the send-promo from this file (- for stdin); a regular file of at most 1 MiB")
	f.StringVarP(&o.data, "data", "d", "", "the send-promo as JSON")
	f.IntVar(&o.sample, "sample", previewDefaultSample, fmt.Sprintf("render the message for this many contacts (0 to %d)", previewMaxSample))
	f.IntVar(&o.maxContacts, "max-contacts", previewDefaultMaxContacts, "read at most this many contacts of the audiences (0: only the sizes Chat Inc lists)")
	f.StringVar(&o.chatincURL, "chatinc-url", "", "Chat Inc API base URL (default: $CHATINC_URL or "+config.DefaultChatIncURL+
		" with CHATINC_API_KEY set; without it the sandbox at "+defaultImportSandboxURL+")")
	f.StringVar(&o.config, "config", "", "YAML config file, for promo.quiet_hours and promo.default_time_zone (default $CAMPAIGNFLOW_CONFIG)")
	f.StringVar(&o.natsURL, "nats-url", "", "also read the worker's ledger on this NATS (default $CAMPAIGNFLOW_NATS_URL, else nats.url of the config; none: not read)")
	f.StringVar(&o.natsCreds, "nats-creds", "", "NATS credentials file (default $CAMPAIGNFLOW_NATS_CREDS)")
	f.BoolVar(&o.json, "json", false, "print one JSON object instead of the table")
	f.DurationVar(&o.timeout, "timeout", previewDefaultTimeout, "give up after this long")
	return cmd
}

// check validates the flags together (usage errors, exit 2).
func (o previewOptions) check() error {
	switch {
	case o.file == "" && o.data == "":
		return errors.New("give the send-promo with --file F (- for stdin) or --data JSON")
	case o.file != "" && o.data != "":
		return errors.New("give either --file or --data, not both")
	case o.sample < 0 || o.sample > previewMaxSample:
		return fmt.Errorf("--sample %d: give 0 to %d", o.sample, previewMaxSample)
	case o.maxContacts < 0:
		return fmt.Errorf("--max-contacts %d: give 0 or more", o.maxContacts)
	case o.timeout <= 0:
		return fmt.Errorf("--timeout %s: give a positive duration", o.timeout)
	}
	return nil
}

// usageError is a usage problem of cmd: exit code 2, pointing at --help.
func usageError(cmd *cobra.Command, err error) error {
	return exitError{code: 2, msg: fmt.Sprintf("%s: %v; see '%s --help'", cmd.CommandPath(), err, cmd.CommandPath())}
}

// usageFlagError makes a flag error (unknown flag, bad value) a usage error.
func usageFlagError(cmd *cobra.Command, err error) error { return usageError(cmd, err) }

// usageArgs makes an argument check's error a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError(cmd, err)
		}
		return nil
	}
}

// readPreviewInput reads --file (a regular file, or stdin for "-") or
// --data, both at most an event's size (maxEventFileBytes).
func readPreviewInput(cmd *cobra.Command, o previewOptions) ([]byte, error) {
	name := "--data"
	body := []byte(o.data)
	if o.file != "" {
		name = o.file
		if name == "-" {
			name = "standard input"
		}
		b, err := readEventFile(cmd.InOrStdin(), o.file)
		if err != nil {
			return nil, err // it names the file and says why
		}
		body = b
	} else if len(body) > maxEventFileBytes {
		return nil, fmt.Errorf("--data is %d bytes, larger than 1 MiB, the largest event NATS accepts", len(body))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%s is empty; a send-promo is a JSON object", name)
	}
	return body, nil
}

func runPromoPreview(cmd *cobra.Command, o previewOptions) error {
	body, err := readPreviewInput(cmd, o)
	if err != nil {
		return exitError{code: 1, msg: "campaignflow promo preview: " + err.Error()}
	}
	from := o.file
	if from == "" {
		from = "--data"
	}
	cfg, hopts, err := previewHandlerOptions(cmd, o.config)
	if err != nil {
		return err
	}
	url, key, _ := importTarget(o.chatincURL, os.Getenv)
	opts := []chatinc.Option{chatinc.WithReadOnly(), chatinc.WithRetry(30*time.Second, 4), chatinc.WithTimeout(30 * time.Second)}
	if previewTransport != nil {
		opts = append(opts, chatinc.WithTransport(previewTransport(chatinc.NewTransport())))
	}
	c, err := chatinc.New(url, key, opts...)
	if err != nil {
		return exitError{code: 2, msg: fmt.Sprintf("campaignflow: promo preview: %v; see 'campaignflow promo preview --help'", err)}
	}
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	settings := previewSettings{sample: o.sample, maxContacts: o.maxContacts, handler: hopts}
	if settings.natsURL = firstSet(o.natsURL, cfg.NATS.URL); settings.natsURL != "" {
		l, counters, closeNATS, err := openPreviewBus(ctx, settings.natsURL, firstSet(o.natsCreds, cfg.NATS.Creds), cfg.Names)
		if err != nil {
			return fmt.Errorf("promo preview: %w; leave --nats-url out to preview without the ledger and the frequency-cap counters", err)
		}
		defer closeNATS()
		settings.ledger, settings.caps = l, counters
	}
	p, err := buildPromoPreview(ctx, c, body, settings, time.Now())
	if err != nil {
		return fmt.Errorf("%w (Chat Inc at %s; nothing was changed there)", err, shownURLs(url))
	}
	if o.json {
		if err := writeJSON(cmd.OutOrStdout(), p); err != nil {
			return err
		}
	} else {
		printPromoPreview(cmd.OutOrStdout(), cmd.ErrOrStderr(), p, from)
	}
	if !p.Valid {
		return exitError{code: 1}
	}
	return nil
}

// previewHandlerOptions are the send-promo handler's options of a worker
// with the configuration (--config, else $CAMPAIGNFLOW_CONFIG, and the
// environment): promo.quiet_hours and promo.default_time_zone.
func previewHandlerOptions(cmd *cobra.Command, file string) (*config.Config, []handlers.Option, error) {
	cfg, err := config.Load(config.LoadOptions{File: file, Env: os.Environ()})
	if err != nil {
		var p config.Problems
		if !asProblems(err, &p) {
			p = loadErrorProblems(err)
		}
		w := cmd.ErrOrStderr()
		fmt.Fprintf(w, "promo preview: the configuration has %d problem(s):\n", len(p))
		for _, x := range p {
			fmt.Fprintln(w, "  -", x)
		}
		return nil, nil, exitError{code: 1}
	}
	quiet, err := quiethours.Parse(cfg.Promo.QuietHours)
	if err != nil {
		return nil, nil, fmt.Errorf("promo preview: promo.quiet_hours: %w", err) // validated by Load
	}
	zone, err := time.LoadLocation(cfg.Promo.DefaultTimeZone)
	if err != nil {
		return nil, nil, fmt.Errorf("promo preview: promo.default_time_zone: %w", err) // validated by Load
	}
	return cfg, []handlers.Option{handlers.WithQuietHours(quiet), handlers.WithDefaultTimeZone(zone)}, nil
}

// firstSet is the first non-empty of xs.
func firstSet(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
