package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/schemas"
)

func newPublishCmd() *cobra.Command {
	var (
		file, data, id string
		timeout        time.Duration
		check          bool
	)
	cmd := &cobra.Command{
		Use:   "publish TYPE (--file F | --data JSON)",
		Short: "Validate an event against its schema and publish it onto the events stream",
		Long: `publish checks an event body against the JSON Schema of its type (and the worker's own
rules, e.g. the button mix of a send-promo), then publishes it on <prefix>.events.TYPE with a
Nats-Msg-Id header: --id, else the body's event_id, else the CloudEvents id, else a generated one.
The stream drops a message whose id it saw within its duplicate window (2m); publish says so.

An invalid event is not published: every problem is listed and the exit code is 1.

A send-promo is also looked up in the Chat Inc the worker uses (the API with CHATINC_API_KEY,
else the embedded sandbox at sandbox.addr), when it answers within 3s: a {group.field} placeholder
or an audience that Chat Inc does not have is a warning (an event on its way may still create it;
otherwise the worker dead-letters the promo). --check=false skips the look-up.
TYPE is one of: ` + strings.Join(events.Types, ", ") + `.

NATS is --nats-url, else $CAMPAIGNFLOW_NATS_URL, else nats.url of --config, else
` + defaultCLINATSURL + ` (the embedded server of a running ` + "`campaignflow run`" + `).`,
		Example: `  campaignflow publish send-promo --file promo.json
  campaignflow publish schedule-cancelled --data '{"event_id":"cancel-1","promo_id":"bf-2026"}'
  cat segment.json | campaignflow publish customer-segment-updated --file - --id seg-42`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			typ := args[0]
			if !slices.Contains(events.Types, typ) {
				return fmt.Errorf("publish: unknown event type %q; use one of %s", typ, strings.Join(events.Types, ", "))
			}
			body, err := readEventBody(cmd.InOrStdin(), file, data)
			if err != nil {
				return err
			}
			problems := publishProblems(typ, body)
			if id != "" {
				if err := ids.Check(id); err != nil {
					// The header id wins over the body's: the event would be a
					// validation dead letter for it.
					problems = append(problems, fmt.Sprintf("--id: %v", err))
				}
			}
			if len(problems) > 0 {
				w := cmd.ErrOrStderr()
				fmt.Fprintf(w, "publish: the %s event has %d problem(s); nothing was published:\n", typ, len(problems))
				for _, p := range problems {
					fmt.Fprintln(w, "  -", p)
				}
				return exitError{code: 1}
			}
			msgID := id
			if msgID == "" {
				msgID = bodyEventID(body)
			}
			if msgID == "" {
				msgID = generatedEventID(typ)
			}
			bus, err := connectBus(cmd)
			if err != nil {
				return err
			}
			defer bus.Close()
			ctx, cancel := commandContext(cmd, timeout)
			defer cancel()
			if check {
				warnPromoRefs(ctx, cmd.ErrOrStderr(), bus.cfg, typ, body)
			}
			subject := bus.names.EventSubject(typ)
			ack, err := bus.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: body,
				Header: nats.Header{jetstream.MsgIDHeader: []string{msgID}}})
			if err != nil {
				return missingResource(fmt.Errorf("publish: %s to %s: %w", typ, subject, err), "stream for", subject, bus.url)
			}
			out := cmd.OutOrStdout()
			if ack.Duplicate {
				fmt.Fprintf(out, "duplicate: stream %s already has Nats-Msg-Id %q (seq %d) within its duplicate window; nothing new was stored\n",
					ack.Stream, msgID, ack.Sequence)
				return nil
			}
			fmt.Fprintf(out, "published %s to %s: stream %s seq %d, Nats-Msg-Id %q\n", typ, subject, ack.Stream, ack.Sequence, msgID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "read the event body from this file (- for stdin)")
	f.StringVarP(&data, "data", "d", "", "the event body as JSON")
	f.StringVar(&id, "id", "", "Nats-Msg-Id (default: the body's event_id, else the CloudEvents id, else generated)")
	f.DurationVar(&timeout, "timeout", 10*time.Second, "give up waiting for the stream's ack after this long")
	f.BoolVar(&check, "check", true, "look a send-promo's audiences and {group.field} placeholders up in Chat Inc and warn about missing ones")
	addNATSFlags(f)
	cmd.MarkFlagsMutuallyExclusive("file", "data")
	cmd.MarkFlagsOneRequired("file", "data")
	return cmd
}

// readEventBody reads --file (or stdin for "-") or --data.
func readEventBody(stdin io.Reader, file, data string) ([]byte, error) {
	var body []byte
	switch {
	case file != "":
		b, err := readEventFile(stdin, file)
		if err != nil {
			return nil, fmt.Errorf("publish: reading the event: %w", err)
		}
		body = b
	default:
		body = []byte(data)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("publish: the event body is empty; pass a JSON object with --file or --data")
	}
	return body, nil
}

// publishProblems lists everything wrong with an event body that the
// worker would dead-letter it for: its decode's (envelopeProblems: a
// CloudEvents type or id), then the event's (eventProblems).
func publishProblems(typ string, body []byte) []string {
	return cutProblems(append(envelopeProblems(typ, body), eventProblems(typ, body)...))
}

// eventProblems lists everything wrong with an event: JSON Schema
// violations and the worker's own checks (events.Parse). A CloudEvents
// structured envelope is checked by its data.
func eventProblems(typ string, body []byte) []string {
	env, err := pipeline.ParseEnvelope(body)
	if err != nil {
		if isCloudEvent(body) {
			return []string{"/data: a CloudEvents envelope must carry the event as a JSON object in data (" +
				strings.TrimPrefix(err.Error(), pipeline.ErrDecode.Error()+": ") + ")"}
		}
		return []string{"not a JSON object: " + strings.TrimPrefix(err.Error(), pipeline.ErrDecode.Error()+": ")}
	}
	body = env.Data
	// The schema is the contract; the worker's own checks (e.g. a
	// forbidden button mix) come after it passes, so no problem is listed
	// twice in two wordings.
	if err := schemas.Validate(typ, body); err != nil {
		msg := strings.TrimPrefix(err.Error(), "schemas: "+typ+": ")
		out := strings.Split(msg, "; ")
		// The worker's checks still run on what did decode (a value of the
		// wrong type is left out), adding what the schema did not say about
		// the same place.
		return append(out, workerProblems(typ, body, out, true)...)
	}
	return workerProblems(typ, body, nil, false)
}

// workerProblems are the worker's own checks of an event (events.Parse).
// With bestEffort, values of the wrong type are skipped instead of stopping
// the decode, and problems at (or under, or above) a pointer that a schema
// problem in schemaProblems names are left out.
func workerProblems(typ string, body []byte, schemaProblems []string, bestEffort bool) []string {
	var ve *events.ValidationError
	var err error
	if bestEffort {
		err = events.ParseLenient(typ, body)
	} else {
		_, err = events.Parse(typ, body)
	}
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &ve):
		if bestEffort {
			return nil
		}
		return []string{err.Error()}
	}
	taken := func(ptr string) bool {
		for _, sp := range schemaProblems {
			sptr, _, _ := strings.Cut(sp, ": ")
			if sptr == "/" || ptr == sptr || strings.HasPrefix(ptr, sptr+"/") || strings.HasPrefix(sptr, ptr+"/") {
				return true
			}
		}
		return false
	}
	out := make([]string, 0, len(ve.Problems))
	for _, p := range ve.Problems {
		switch {
		case p.Path == "":
			if !bestEffort {
				out = append(out, p.Reason)
			}
		case !taken(fieldPathPointer(p.Path)):
			out = append(out, p.Path+": "+p.Reason)
		}
	}
	return out
}

// bodyEventID is the event id the worker would read from the body: its
// event_id, or for a CloudEvents envelope the data's event_id, else the
// envelope's id.
func bodyEventID(body []byte) string {
	env, err := pipeline.ParseEnvelope(body)
	if err != nil {
		return ""
	}
	id, _ := env.BodyID()
	return id
}

// generatedEventID is a fresh id for an event that has none.
func generatedEventID(typ string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s-%s", typ, time.Now().UTC().Format("20060102T150405Z"), hex.EncodeToString(b))
}
