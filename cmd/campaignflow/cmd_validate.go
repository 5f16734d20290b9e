package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sources"
)

func newValidateCmd() *cobra.Command {
	var (
		file      string
		ignoreEnv bool
	)
	cmd := &cobra.Command{
		Use:   "validate --config FILE",
		Short: "Check a config file or an event; exit 1 with every problem listed",
		Long: `validate --config FILE loads the file the way ` + "`campaignflow run`" + ` would (defaults, then the
file, then the CHATINC_* and CAMPAIGNFLOW_* environment) and lists every problem at once:
unknown keys, bad durations, bad cron expressions, unknown time zones, a Chat Inc URL
without an API key, out-of-range values. --ignore-env checks the file on its own.
Without --config, $CAMPAIGNFLOW_CONFIG is checked.

validate event TYPE FILE checks an event body against the JSON Schema of its type and the
worker's own rules (the ones that send an event to the dead-letter stream), listing
every problem with its JSON pointer.

Exit code 0: valid ("ok: ..." on stdout). Exit code 1: every problem is on stderr.`,
		Example: `  campaignflow validate --config deploy/config.example.yaml
  CHATINC_API_KEY=... campaignflow validate --config /etc/campaignflow/config.yaml
  campaignflow validate --config config.yaml --ignore-env
  campaignflow validate event send-promo deploy/events/send-promo.json
  cat segment.json | campaignflow validate event customer-segment-updated -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var env []string
			if !ignoreEnv {
				env = os.Environ()
			}
			if file == "" {
				file = envValueOf(env, "CAMPAIGNFLOW_CONFIG")
			}
			if file == "" {
				return errors.New("validate: nothing to check: pass --config FILE (or set CAMPAIGNFLOW_CONFIG), " +
					"or use `campaignflow validate event TYPE FILE`")
			}
			return validateConfig(cmd, file, env)
		},
	}
	cmd.Flags().StringVar(&file, "config", "", "YAML config file to check (default $CAMPAIGNFLOW_CONFIG)")
	cmd.Flags().BoolVar(&ignoreEnv, "ignore-env", false, "check the file alone, without CHATINC_* and CAMPAIGNFLOW_* from the environment")
	cmd.AddCommand(newValidateEventCmd())
	return cmd
}

// validateConfig loads file (and env) as `run` would and prints the verdict.
func validateConfig(cmd *cobra.Command, file string, env []string) error {
	cfg, err := config.Load(config.LoadOptions{File: file, Env: env})
	if err != nil {
		var p config.Problems
		if !asProblems(err, &p) {
			p = loadErrorProblems(err)
		}
		return printProblems(cmd.ErrOrStderr(), "the configuration "+file, p)
	}
	mode := "Chat Inc at " + cfg.ChatIncURL()
	if cfg.SandboxMode() {
		mode = "no API key: the built-in sandbox stands in for Chat Inc, nothing reaches real people"
	}
	bus := "NATS at " + cfg.NATS.URL
	if cfg.EmbeddedNATS() {
		bus = "embedded NATS on " + cfg.NATS.Listen
	}
	fmt.Fprintf(cmd.OutOrStdout(), "ok: config %s (%s; %s)\n", file, bus, mode)
	for _, n := range cfg.Notes() {
		fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
	}
	return nil
}

// loadErrorProblems lists a config.Load error that is not Problems (the file
// is unreadable or not YAML, or a value has the wrong type: one line each).
func loadErrorProblems(err error) config.Problems {
	var p config.Problems
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasSuffix(line, "the following error(s):") {
			continue
		}
		p = append(p, line)
	}
	if len(p) == 0 {
		p = config.Problems{err.Error()}
	}
	return p
}

func newValidateEventCmd() *cobra.Command {
	var chatincURL string
	cmd := &cobra.Command{
		Use:   "event TYPE FILE [--chatinc-url URL]",
		Short: "Check an event body against its JSON Schema and the worker's rules",
		Long: `event checks FILE (- for stdin), a plain event body or a CloudEvents 1.0 structured envelope,
against the embedded JSON Schema of TYPE and then the checks the worker applies before acting
(button mix, message rules, cron and time zone of a schedule, ids). Every problem is listed
with its JSON pointer and the exit code is 1; a valid event prints "ok: TYPE FILE".
TYPE is one of: ` + strings.Join(events.Types, ", ") + `.

With --chatinc-url (a Chat Inc, or a sandbox such as the one of campaignflow run at
http://127.0.0.1:8089; the key is CHATINC_API_KEY), a send-promo's {group.field} placeholders
and audiences are looked up there too: one it does not have is a problem.`,
		Example: `  campaignflow validate event send-promo deploy/events/send-promo.json
  campaignflow validate event schedule-cancelled cancel.json
  cat segment.json | campaignflow validate event customer-segment-updated -
  campaignflow validate event send-promo promo.json --chatinc-url http://127.0.0.1:8089`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			typ, file := args[0], args[1]
			if !slices.Contains(events.Types, typ) {
				return printProblems(cmd.ErrOrStderr(), "validate event",
					[]string{fmt.Sprintf("unknown event type %q; use one of %s", typ, strings.Join(events.Types, ", "))})
			}
			body, err := readValidateInput(cmd.InOrStdin(), file)
			if err != nil {
				return printProblems(cmd.ErrOrStderr(), "the "+typ+" event "+file, []string{err.Error()})
			}
			p := eventPointerProblems(typ, body)
			if chatincURL != "" {
				refs, err := chatIncRefProblems(cmd, chatincURL, typ, body)
				if err != nil {
					p = append(p, "/: not checked against Chat Inc at "+chatincURL+": "+err.Error())
				}
				for _, r := range refs {
					p = append(p, pointerProblems(cloudEventBase(body), r)...)
				}
			}
			if len(p) > 0 {
				return printProblems(cmd.ErrOrStderr(), "the "+typ+" event "+file, p)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %s %s\n", typ, file)
			return nil
		},
	}
	cmd.Flags().StringVar(&chatincURL, "chatinc-url", "", "also look a send-promo's audiences and {group.field} placeholders up in this Chat Inc")
	return cmd
}

// chatIncRefProblems looks a send-promo's references up in the Chat Inc at
// url (key: CHATINC_API_KEY, else any: a sandbox).
func chatIncRefProblems(cmd *cobra.Command, url, typ string, body []byte) ([]string, error) {
	key := os.Getenv("CHATINC_API_KEY")
	if key == "" {
		key = "sandbox"
	}
	c, err := chatinc.New(url, key, chatinc.WithRetry(promoRefsTimeout, 1), chatinc.WithTimeout(promoRefsTimeout))
	if err != nil {
		return nil, err
	}
	return promoRefProblems(cmd.Context(), c, typ, bytes.TrimSpace(body))
}

// cloudEventBase is the pointer of the event inside body: /data for a
// CloudEvents envelope, else the root.
func cloudEventBase(body []byte) string {
	if isCloudEventWithData(body) {
		return "/data"
	}
	return ""
}

// printProblems lists problems under a heading and returns exit code 1.
func printProblems(w io.Writer, what string, problems []string) error {
	fmt.Fprintf(w, "validate: %s has %d problem(s):\n", what, len(problems))
	for _, p := range problems {
		fmt.Fprintln(w, "  -", p)
	}
	return exitError{code: 1}
}

// readValidateInput reads a file, or stdin for "-" (readEventFile: a
// regular file of at most 1 MiB).
func readValidateInput(stdin io.Reader, file string) ([]byte, error) {
	b, err := readEventFile(stdin, file)
	var (
		nr *sources.NotRegularError
		tl *sources.TooLargeError
	)
	switch {
	case errors.As(err, &nr), errors.As(err, &tl):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("it is empty; an event is a JSON object")
	}
	return b, nil
}

// eventPointerProblems is publishProblems (the same decode, schema and
// worker checks publish applies) with every problem located by a JSON
// pointer into the document as written (the event's under /data for a
// CloudEvents envelope; the envelope's own type and id at /type and /id).
func eventPointerProblems(typ string, body []byte) []string {
	body = bytes.TrimSpace(body)
	problems := eventProblems(typ, body)
	base := ""
	if isCloudEventWithData(body) {
		base = "/data"
	}
	out := envelopeProblems(typ, body) // at the envelope's own pointers
	for _, p := range problems {
		out = append(out, pointerProblems(base, p)...)
	}
	return cutProblems(out)
}

// cutProblems cuts each problem to the worker's bound on an error
// (pipeline.Truncate to pipeline.MaxErrorHeader): a 900 KB value echoed in
// a problem is not a 900 KB line.
func cutProblems(problems []string) []string {
	for i, p := range problems {
		problems[i] = pipeline.Truncate(p, pipeline.MaxErrorHeader)
	}
	return problems
}

// isCloudEventWithData reports whether body is a CloudEvents envelope whose
// data is a JSON object (the event publishProblems checks).
func isCloudEventWithData(body []byte) bool {
	env, err := pipeline.ParseEnvelope(body)
	return err == nil && env.CloudEvent
}

// isCloudEvent reports whether body is a JSON object with a specversion
// member (whatever else is wrong with it).
func isCloudEvent(body []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	_, ok := probe["specversion"]
	return ok
}

var (
	// missingRE is the schema's wording for absent required properties.
	missingRE = regexp.MustCompile(`^missing propert(?:y|ies) (.+)$`)
	// fieldPathRE is an events.Problem path: a.b[1].c.
	fieldPathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z0-9_-]+(?:\[\d+\])*)*$`)
)

// pointerProblems rewrites one problem so it starts with the JSON pointer of
// the value at fault: schema problems ("/buttons/0: ...") keep theirs, a
// missing property points at the property itself, worker problems
// ("buttons[1].url: ...") get their path as a pointer, and a problem of the
// whole document points at the root.
func pointerProblems(base, p string) []string {
	if strings.HasPrefix(p, "/") {
		ptr, msg, _ := strings.Cut(p, ": ")
		if ptr == "/" {
			ptr = ""
		}
		if m := missingRE.FindStringSubmatch(msg); m != nil {
			var lines []string
			for _, name := range strings.Split(m[1], ", ") {
				name = strings.Trim(name, `'"`)
				lines = append(lines, base+ptr+"/"+escapePointer(name)+": is required (missing)")
			}
			return lines
		}
		return cutProblems([]string{rootPointer(base+ptr) + ": " + msg})
	}
	if path, msg, ok := strings.Cut(p, ": "); ok && fieldPathRE.MatchString(path) {
		return cutProblems([]string{rootPointer(base+fieldPathPointer(path)) + ": " + msg})
	}
	return cutProblems([]string{rootPointer(base) + ": " + p})
}

// rootPointer shows the empty pointer (the whole document) as "/".
func rootPointer(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}

// fieldPathPointer turns "buttons[1].url" into "/buttons/1/url".
func fieldPathPointer(path string) string {
	var b strings.Builder
	for _, seg := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(seg, "[")
		b.WriteString("/" + escapePointer(name))
		for idx != "" {
			var n string
			n, idx, _ = strings.Cut(idx, "]")
			b.WriteString("/" + n)
			idx = strings.TrimPrefix(idx, "[")
		}
	}
	return b.String()
}

// escapePointer escapes a JSON pointer reference token (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// envValueOf is NAME's value in env (os.Environ form), or "".
func envValueOf(env []string, name string) string {
	for _, kv := range env {
		if n, v, ok := strings.Cut(kv, "="); ok && n == name {
			return v
		}
	}
	return ""
}
