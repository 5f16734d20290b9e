package chatinc_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// TestReadOnlyClient: a read-only client reads everything it is asked
// for, refuses every call that would change Chat Inc with ErrReadOnly
// before sending it, and the sandbox's state is the same afterwards.
func TestReadOnlyClient(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{Seed: 3})
	e.audience(t, "vip", "+27821234567", "+27821234568")
	if _, err := e.c.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: "customers", Name: "customers", Fields: []string{"first_name"}}); err != nil {
		t.Fatal(err)
	}
	camp := e.approvedCampaign(t, "existing")
	before := e.sb.State()

	rec := &sandboxtest.Recorder{Next: chatinc.NewTransport()}
	ro, err := chatinc.New(e.url, "test-key", chatinc.WithReadOnly(), chatinc.WithTransport(rec), chatinc.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.CloseIdleConnections()
	if auds, err := ro.RetrieveAudiences(ctx); err != nil || len(auds) != 1 || auds[0].Size != 2 {
		t.Fatalf("RetrieveAudiences = %+v, %v", auds, err)
	}
	n := 0
	for _, err := range ro.AudienceContacts(ctx, "vip") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if groups, err := ro.RetrieveVariableGroups(ctx); n != 2 || err != nil || len(groups) != 1 {
		t.Fatalf("AudienceContacts: %d contacts; RetrieveVariableGroups = %+v, %v", n, groups, err)
	}
	if cs, err := ro.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{}); err != nil || len(cs) != 1 {
		t.Fatalf("RetrieveCampaigns = %+v, %v", cs, err)
	}
	for _, err := range ro.CampaignDetails(ctx, chatinc.CampaignDetailsRequest{CampaignID: camp.CampaignID}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	reads := len(rec.Seen())

	writes := map[string]func() error{
		"CreateAudience": func() error {
			_, err := ro.CreateAudience(ctx, chatinc.Audience{ID: "new", Name: "new", Contacts: []chatinc.Contact{{Number: "+27821234569"}}})
			return err
		},
		"AddContactsToAudience": func() error {
			_, err := ro.AddContactsToAudience(ctx, "vip", []chatinc.Contact{{Number: "+27821234569"}})
			return err
		},
		"AddContactsFromCSV": func() error {
			_, err := ro.AddContactsFromCSV(ctx, chatinc.AudienceFile{ID: "vip", Name: "vip", File: strings.NewReader("number\n+27821234569\n")})
			return err
		},
		"CreateVariableGroup": func() error {
			_, err := ro.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: "customers", Name: "customers", Fields: []string{"tier"}})
			return err
		},
		"CreateVariableGroupFromCSV": func() error {
			_, err := ro.CreateVariableGroupFromCSV(ctx, chatinc.VariableGroupFile{ID: "g", Name: "g", AudienceID: "vip", File: strings.NewReader("number,x\n+27821234569,1\n")})
			return err
		},
		"CreateCampaign": func() error {
			_, err := ro.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "m"})
			return err
		},
		"RunCampaign": func() error {
			_, err := ro.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"vip"}})
			return err
		},
	}
	for name, call := range writes {
		if err := call(); !errors.Is(err, chatinc.ErrReadOnly) || !strings.Contains(err.Error(), "nothing was sent") {
			t.Errorf("%s on a read-only client: %v, want ErrReadOnly", name, err)
		}
	}
	calls := rec.Seen()
	if len(calls) != reads {
		t.Errorf("refused calls reached the transport: %v", calls[reads:])
	}
	for _, c := range calls {
		_, path, _ := strings.Cut(c, " ")
		if !chatinc.IsReadEndpoint(path) {
			t.Errorf("read-only client called %s", c)
		}
	}
	after := e.sb.State()
	for _, p := range []string{"/v1/create/audience", "/v1/create/audience/from/file", "/v1/create/variable/group",
		"/v1/create/variable/group/from/file", "/v1/create/campaign", "/v1/run/campaign"} {
		if after.Requests[p] != before.Requests[p] {
			t.Errorf("sandbox saw %d more requests to %s", after.Requests[p]-before.Requests[p], p)
		}
	}
	if !maps.Equal(after.Audiences, before.Audiences) || !maps.Equal(after.Groups, before.Groups) ||
		len(after.Campaigns) != 1 || len(after.Campaigns[0].Runs) != 0 {
		t.Errorf("sandbox state changed: before %+v, after %+v", before, after)
	}
}

func TestIsReadEndpoint(t *testing.T) {
	for path, want := range map[string]bool{
		"/v1/retrieve/audiences": true, "/v1/retrieve/audience/contacts": true, "/v1/retrieve/variable/groups": true,
		"/v1/retrieve/campaigns?active=true": true, "/v1/retrieve/campaign": true,
		"/v1/create/audience": false, "/v1/run/campaign": false, "/v1/create/campaign": false, "/v1/retrieve": false, "": false,
	} {
		if got := chatinc.IsReadEndpoint(path); got != want {
			t.Errorf("IsReadEndpoint(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestRenderMessage(t *testing.T) {
	values := map[chatinc.Placeholder]string{{Group: "customers", Field: "first_name"}: "Thandi", {Group: "customers", Field: "tier"}: "{gold}"}
	lookup := func(p chatinc.Placeholder) (string, bool) { v, ok := values[p]; return v, ok }
	cases := []struct{ msg, want string }{
		{"Hi {customers.first_name}, {customers.tier} members", "Hi Thandi, {gold} members"},
		{"My message {} {customers.shoe_size}", "My message {} {customers.shoe_size}"},
		{"{{customers.first_name}}", "{Thandi}"},
		{"no placeholders", "no placeholders"},
	}
	for _, tc := range cases {
		if got := chatinc.RenderMessage(tc.msg, lookup); got != tc.want {
			t.Errorf("RenderMessage(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
	if got := chatinc.RenderMessage("Hi {a.b}", nil); got != "Hi {a.b}" {
		t.Errorf("RenderMessage with no values = %q", got)
	}
}
