package chatinc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// TestEveryEndpoint drives all twelve client methods against the sandbox and
// checks the sandbox's state after each.
func TestEveryEndpoint(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{Seed: 7})
	c := e.c

	// create variable group, then merge more values into it
	vg, err := c.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: "customers", Name: "customers", Fields: []string{"first_name", "tier"},
		Values: []chatinc.VariableValues{{Number: "+27821234567", Values: map[string]string{"first_name": "Thandi", "tier": "gold"}}}})
	if err != nil || vg.Added != 1 {
		t.Fatalf("CreateVariableGroup = %+v, %v", vg, err)
	}
	// create audience, add contacts (merge: one duplicate)
	if _, err := c.CreateAudience(ctx, chatinc.Audience{ID: "vip", Name: "VIP", Contacts: []chatinc.Contact{{Number: "+27821234567"}}}); err != nil {
		t.Fatal(err)
	}
	ar, err := c.AddContactsToAudience(ctx, "vip", []chatinc.Contact{{Number: "+27821234567"}, {Number: "+27821234568"}})
	if err != nil || ar.Added != 1 || ar.Total != 2 {
		t.Fatalf("AddContactsToAudience = %+v, %v; want added 1 total 2", ar, err)
	}
	// CSV uploads
	up, err := c.AddContactsFromCSV(ctx, chatinc.AudienceFile{ID: "csv-list", Name: "CSV list",
		File: strings.NewReader("\ufeffNumber;name\n+27820000001;a\nnot-a-number;b\n+27820000002;c\n")})
	if err != nil || up.Added != 2 || up.RejectedCount != 1 || up.Rejected[0].Row != 3 {
		t.Fatalf("AddContactsFromCSV = %+v, %v; want 2 added, row 3 rejected", up, err)
	}
	vup, err := c.CreateVariableGroupFromCSV(ctx, chatinc.VariableGroupFile{ID: "promo_vars", Name: "promo_vars", AudienceID: "csv-list",
		File: strings.NewReader("number,code\n+27820000003,X1\n")})
	if err != nil || vup.Added != 1 || !slices.Equal(vup.Fields, []string{"code"}) {
		t.Fatalf("CreateVariableGroupFromCSV = %+v, %v", vup, err)
	}
	if got, _ := e.sb.Audience("csv-list"); len(got) != 3 {
		t.Fatalf("csv-list audience = %v, want the 3 numbers of both uploads", got)
	}
	// retrieves
	auds, err := c.RetrieveAudiences(ctx)
	if err != nil || len(auds) != 2 {
		t.Fatalf("RetrieveAudiences = %+v, %v", auds, err)
	}
	var numbers []string
	for ct, err := range c.AudienceContacts(ctx, "vip") {
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, ct.Number)
	}
	if !slices.Equal(numbers, []string{"+27821234567", "+27821234568"}) {
		t.Fatalf("AudienceContacts = %v", numbers)
	}
	groups, err := c.RetrieveVariableGroups(ctx)
	if err != nil || len(groups) != 2 || groups[0].Size != 1 {
		t.Fatalf("RetrieveVariableGroups = %+v, %v", groups, err)
	}
	// campaign: created pending, run refused until approved
	camp, err := c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "BF", Message: "Hi {customers.first_name}, {} off",
		Buttons: []chatinc.Button{{Text: "Shop", Type: "url", URL: "https://shop.example.com"}}})
	if err != nil || camp.WhatsAppTemplatesStatus != chatinc.TemplatePending {
		t.Fatalf("CreateCampaign = %+v, %v", camp, err)
	}
	_, err = c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"vip"}})
	if !errors.Is(err, chatinc.ErrTemplateNotApproved) {
		t.Fatalf("RunCampaign before approval: %v, want ErrTemplateNotApproved", err)
	}
	e.sb.Advance(3 * time.Second)
	run, err := c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"vip"}})
	if err != nil || run.RunID == "" {
		t.Fatalf("RunCampaign = %+v, %v", run, err)
	}
	active, err := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{Active: true})
	if err != nil || len(active) != 1 || active[0].CampaignID != camp.CampaignID || len(active[0].Runs) != 1 {
		t.Fatalf("RetrieveCampaigns(active) = %+v, %v", active, err)
	}
	e.sb.Advance(3 * time.Hour)
	if active, _ := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{Active: true}); len(active) != 0 {
		t.Fatalf("a finished campaign is still active: %+v", active)
	}
	all, _ := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
	if len(all) != 1 || all[0].TotalSent == 0 {
		t.Fatalf("RetrieveCampaigns = %+v", all)
	}
	for _, f := range []chatinc.Format{chatinc.FormatJSON, chatinc.FormatCSV} {
		var rows []chatinc.ContactResult
		for r, err := range c.CampaignDetails(ctx, chatinc.CampaignDetailsRequest{CampaignID: camp.CampaignID, Format: f}) {
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
		if len(rows) != 2 || rows[0].RunID != run.RunID || rows[0].Action == "" || rows[0].UpdatedAt == 0 {
			t.Fatalf("CampaignDetails(%s) = %+v", f, rows)
		}
	}
}

// TestValidationBeforeSending checks every client-side rule: the error names
// the field and matches ErrValidation, and nothing reaches the sandbox.
func TestValidationBeforeSending(t *testing.T) {
	ctx := context.Background()
	past := time.Now().Add(-time.Hour)
	url := func(n int) []chatinc.Button {
		var bs []chatinc.Button
		for i := range n {
			bs = append(bs, chatinc.Button{Text: fmt.Sprint("u", i), Type: "url", URL: "https://x.example"})
		}
		return bs
	}
	cases := []struct {
		name  string
		req   chatinc.CreateCampaignRequest
		field string
	}{
		{"title required", chatinc.CreateCampaignRequest{Message: "m"}, "title"},
		{"message required", chatinc.CreateCampaignRequest{Title: "t"}, "message"},
		{"bad placeholder", chatinc.CreateCampaignRequest{Title: "t", Message: "Hi {first name.x}"}, "message"},
		{"journey+url mix", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{
			{Text: "Start", Type: "journey", JourneyID: "j"}, {Text: "Site", Type: "url", URL: "https://x.example"}}}, "buttons"},
		{"input+phone mix", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{
			{Text: "In", Type: "input"}, {Text: "Call", Type: "phone", PhoneNumber: "+27821234567"}}}, "buttons"},
		{"empty text", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{{Type: "input"}}}, "buttons[0].text"},
		{"url not http", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{{Text: "x", Type: "url", URL: "ftp://x"}}}, "buttons[0].url"},
		{"phone not E.164", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{{Text: "x", Type: "phone", PhoneNumber: "0821234567"}}}, "buttons[0].phoneNumber"},
		{"journey without id", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{{Text: "x", Type: "journey"}}}, "buttons[0].journeyId"},
		{"unknown type", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{{Text: "x", Type: "sms"}}}, "buttons[0].type"},
		{"three url buttons", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: url(3)}, "buttons"},
		{"eleven buttons", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: url(11)}, "buttons"},
		{"two phone buttons", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Buttons: []chatinc.Button{
			{Text: "a", Type: "phone", PhoneNumber: "+27821234567"}, {Text: "b", Type: "phone", PhoneNumber: "+27821234568"}}}, "buttons"},
		{"timeToRun in the past", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Options: chatinc.CampaignOptions{TimeToRun: past, Audiences: []string{"all"}}}, "options.timeToRun"},
		{"run without audiences", chatinc.CreateCampaignRequest{Title: "t", Message: "m", Options: chatinc.CampaignOptions{RunImmediately: true}}, "options.audiences"},
	}
	e := newEnv(t, sandbox.Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.CreateCampaign(ctx, tc.req)
			var ve *chatinc.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, chatinc.ErrValidation) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a ValidationError on field %q", err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), "chatinc: ") {
				t.Fatalf("error %q does not start with chatinc:", err)
			}
		})
	}
	runCases := []struct {
		name  string
		req   chatinc.RunCampaignRequest
		field string
	}{
		{"campaign id", chatinc.RunCampaignRequest{Audiences: []string{"all"}}, "campaignId"},
		{"no audience", chatinc.RunCampaignRequest{CampaignID: "c"}, "audiences"},
		{"empty audience", chatinc.RunCampaignRequest{CampaignID: "c", Audiences: []string{""}}, "audiences[0]"},
		{"past", chatinc.RunCampaignRequest{CampaignID: "c", Audiences: []string{"all"}, TimeToRun: past}, "timeToRun"},
	}
	for _, tc := range runCases {
		t.Run("run "+tc.name, func(t *testing.T) {
			_, err := e.c.RunCampaign(ctx, tc.req)
			var ve *chatinc.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a ValidationError on field %q", err, tc.field)
			}
		})
	}
	if n := e.sb.RequestCount("/v1/create/campaign") + e.sb.RequestCount("/v1/run/campaign"); n != 0 {
		t.Fatalf("%d invalid requests reached the sandbox", n)
	}
	// Braces that are not placeholders stay plain text and pass.
	if _, err := e.c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "My message {}"}); err != nil {
		t.Fatalf("plain braces: %v", err)
	}
}

// TestSandboxRejectionsAreTyped checks that server-side refusals map to the
// sentinels.
func TestSandboxRejectionsAreTyped(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{})
	_, err := e.c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "Hi {nosuch.field}"})
	if !errors.Is(err, chatinc.ErrValidation) || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("unknown group: %v", err)
	}
	_, err = e.c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: "c_missing", Audiences: []string{"all"}})
	if !errors.Is(err, chatinc.ErrNotFound) {
		t.Fatalf("unknown campaign: %v", err)
	}
	_, err = e.c.AddContactsToAudience(ctx, "x", []chatinc.Contact{{Number: "abc"}})
	if !errors.Is(err, chatinc.ErrValidation) || !strings.Contains(err.Error(), `contacts[0]`) {
		t.Fatalf("bad number: %v", err)
	}
	e2 := newEnv(t, sandbox.Options{APIKey: "right"})
	bad, _ := chatinc.New(e2.url, "wrong")
	if _, err := bad.RetrieveAudiences(ctx); !errors.Is(err, chatinc.ErrUnauthorized) {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestBatching checks that 2,500 contacts go as three requests of at most
// 1,000 and all arrive.
func TestBatching(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{})
	cs := make([]chatinc.Contact, 2500)
	for i := range cs {
		cs[i] = chatinc.Contact{Number: fmt.Sprintf("+2782%07d", i)}
	}
	res, err := e.c.CreateAudience(ctx, chatinc.Audience{ID: "big", Name: "big", Contacts: cs})
	if err != nil || res.Added != 2500 || res.Total != 2500 {
		t.Fatalf("CreateAudience = %+v, %v", res, err)
	}
	if n := e.sb.RequestCount("/v1/create/audience"); n != 3 {
		t.Fatalf("%d requests, want 3 batches", n)
	}
	vals := make([]chatinc.VariableValues, 1001)
	for i := range vals {
		vals[i] = chatinc.VariableValues{Number: cs[i].Number, Values: map[string]string{"f": "v"}}
	}
	if _, err := e.c.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: "g", Name: "g", Fields: []string{"f"}, Values: vals}); err != nil {
		t.Fatal(err)
	}
	if _, values, _ := e.sb.VariableGroup("g"); len(values) != 1001 {
		t.Fatalf("group holds %d values, want 1001", len(values))
	}
}
