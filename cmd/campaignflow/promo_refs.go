package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// promoRefsTimeout bounds the look-up of a send-promo's references.
const promoRefsTimeout = 3 * time.Second

// promoRefProblems lists what a send-promo body names that Chat Inc does
// not have: the group or field of a {group.field} placeholder (Chat Inc
// refuses the campaign: a validation dead letter) and audiences (the
// worker retries, then dead-letters). Other event types have none.
func promoRefProblems(ctx context.Context, c *chatinc.Client, typ string, body []byte) ([]string, error) {
	if typ != events.TypeSendPromo {
		return nil, nil
	}
	var probe struct {
		SpecVersion string          `json:"specversion"`
		Data        json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.SpecVersion != "" && len(bytes.TrimSpace(probe.Data)) > 0 {
		body = probe.Data
	}
	var ev events.SendPromo
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, nil // the schema check says what is wrong
	}
	ctx, cancel := context.WithTimeout(ctx, promoRefsTimeout)
	defer cancel()
	var (
		groups []chatinc.VariableGroupInfo
		auds   []chatinc.AudienceInfo
		err    error
	)
	if len(chatinc.Placeholders(ev.Message)) > 0 {
		if groups, err = c.RetrieveVariableGroups(ctx); err != nil {
			return nil, err
		}
	}
	if slices.ContainsFunc(ev.Audiences, func(a string) bool { return a != "all" }) {
		if auds, err = c.RetrieveAudiences(ctx); err != nil {
			return nil, err
		}
	}
	return refProblems(&ev, groups, auds), nil
}

// refProblems lists what ev names that Chat Inc, holding groups and auds,
// does not have: a placeholder's group (by id or name, as Chat Inc looks
// it up) or field, and audiences other than "all".
func refProblems(ev *events.SendPromo, groups []chatinc.VariableGroupInfo, auds []chatinc.AudienceInfo) []string {
	var problems []string
	if vars := chatinc.Placeholders(ev.Message); len(vars) > 0 {
		byID := map[string]chatinc.VariableGroupInfo{}
		var ids []string
		for _, g := range groups {
			byID[g.ID], byID[g.Name] = g, g
			ids = append(ids, g.ID)
		}
		for _, v := range vars {
			g, ok := byID[v.Group]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("message: {%s.%s}: Chat Inc has no variable group %q (it has: %s)", v.Group, v.Field, v.Group, orNone(ids)))
			case !slices.Contains(g.Fields, v.Field):
				problems = append(problems, fmt.Sprintf("message: {%s.%s}: variable group %q has no field %q (it has: %s)", v.Group, v.Field, v.Group, v.Field, orNone(g.Fields)))
			}
		}
	}
	var ids []string
	known := make(map[string]bool, len(auds)) // a promo may name many audiences
	for _, a := range auds {
		ids = append(ids, a.ID)
		known[a.ID] = true
	}
	for i, a := range ev.Audiences {
		if a != "all" && !known[a] {
			problems = append(problems, fmt.Sprintf("audiences[%d]: Chat Inc has no audience %q (it has: %s)", i, a, orNone(ids)))
		}
	}
	return problems
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	if len(xs) > 10 {
		return strings.Join(xs[:10], ", ") + fmt.Sprintf(" and %d more", len(xs)-10)
	}
	return strings.Join(xs, ", ")
}

// warnPromoRefs prints a warning per reference of a send-promo that the
// worker's Chat Inc does not have; an unreachable Chat Inc is a note.
func warnPromoRefs(ctx context.Context, w io.Writer, cfg *config.Config, typ string, body []byte) {
	if typ != events.TypeSendPromo {
		return
	}
	url, key := chatIncOf(cfg)
	c, err := chatinc.New(url, key, chatinc.WithRetry(promoRefsTimeout, 1), chatinc.WithTimeout(promoRefsTimeout))
	if err != nil {
		return
	}
	problems, err := promoRefProblems(ctx, c, typ, body)
	if err != nil {
		fmt.Fprintf(w, "note: audiences and {group.field} placeholders not checked: Chat Inc at %s did not answer (%v)\n", url, oneLine(err.Error(), 120))
		return
	}
	for _, p := range problems {
		fmt.Fprintf(w, "warning: %s (checked at %s); unless an event on its way creates it, the worker dead-letters this promo\n", p, url)
	}
}

// chatIncOf is the Chat Inc a worker with cfg talks to: the API with its
// key, or in sandbox mode the embedded sandbox (sandbox.addr).
func chatIncOf(cfg *config.Config) (string, string) {
	if cfg.SandboxMode() {
		return "http://" + cfg.Sandbox.Addr, "sandbox"
	}
	return cfg.ChatIncURL(), cfg.ChatInc.APIKey
}
