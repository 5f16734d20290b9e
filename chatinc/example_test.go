package chatinc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// exampleSandbox serves a sandbox for the examples; real code uses
// https://api.chatinc.com and the account's key.
func exampleSandbox() (*sandbox.Server, *httptest.Server) {
	sb := sandbox.New(sandbox.Options{ApproveAfter: time.Second})
	return sb, httptest.NewServer(sb)
}

func Example() {
	sb, srv := exampleSandbox()
	defer srv.Close()
	ctx := context.Background()
	c, err := chatinc.New(srv.URL, "my-api-key")
	if err != nil {
		panic(err)
	}
	// 1. the audience, 2. the variables, 3. the campaign, 4. the run
	_, _ = c.CreateAudience(ctx, chatinc.Audience{ID: "vip", Name: "VIP shoppers",
		Contacts: []chatinc.Contact{{Number: "+27821234567"}, {Number: "+27821234568"}}})
	_, _ = c.CreateVariableGroup(ctx, chatinc.VariableGroup{ID: "customers", Name: "customers", Fields: []string{"first_name"},
		Values: []chatinc.VariableValues{{Number: "+27821234567", Values: map[string]string{"first_name": "Thandi"}}}})
	camp, err := c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{
		Title:   "Black Friday",
		Message: "Hi {customers.first_name}, 30% off today.",
		Buttons: []chatinc.Button{{Text: "Shop now", Type: chatinc.ButtonURL, URL: "https://shop.example.com"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("template:", camp.WhatsAppTemplatesStatus)
	sb.Advance(2 * time.Second) // Chat Inc approves the template
	run, err := c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"vip"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("run contacts:", run.Contacts)
	// Output:
	// template: PENDING
	// run contacts: 2
}

func ExampleClient_RunCampaign_ambiguous() {
	sb, srv := exampleSandbox()
	defer srv.Close()
	ctx := context.Background()
	c, _ := chatinc.New(srv.URL, "my-api-key")
	camp, _ := c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "m"})
	sb.Advance(time.Minute)
	sb.SetFaults([]sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.FaultDrop, Count: 1}})

	_, err := c.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: camp.CampaignID, Audiences: []string{"all"}})
	var amb *chatinc.AmbiguousError
	if errors.As(err, &amb) {
		// The run may have started: look before running again.
		found, _ := c.FindCampaign(ctx, camp.CampaignID)
		fmt.Println("runs after the dropped answer:", len(found.Runs))
	}
	// Output: runs after the dropped answer: 1
}

func ExampleClient_AddContactsFromCSV() {
	_, srv := exampleSandbox()
	defer srv.Close()
	c, _ := chatinc.New(srv.URL, "my-api-key")
	csv := "number,first_name\n+27821234567,Thandi\nnot-a-number,Sipho\n"
	res, err := c.AddContactsFromCSV(context.Background(), chatinc.AudienceFile{ID: "list", Name: "List", File: strings.NewReader(csv)})
	if err != nil {
		panic(err)
	}
	fmt.Printf("added %d, rejected row %d\n", res.Added, res.Rejected[0].Row)
	// Output: added 1, rejected row 3
}

func ExampleClient_CampaignDetails() {
	sb, srv := exampleSandbox()
	defer srv.Close()
	ctx := context.Background()
	c, _ := chatinc.New(srv.URL, "my-api-key")
	_, _ = c.CreateAudience(ctx, chatinc.Audience{ID: "a", Name: "a", Contacts: []chatinc.Contact{{Number: "+27821234567"}}})
	camp, _ := c.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "t", Message: "m",
		Options: chatinc.CampaignOptions{RunImmediately: true, Audiences: []string{"a"}}})
	sb.Advance(3 * time.Hour)
	for row, err := range c.CampaignDetails(ctx, chatinc.CampaignDetailsRequest{CampaignID: camp.CampaignID}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(row.Number, row.Action != "queued")
	}
	// Output: +27821234567 true
}

func ExampleIsTransient() {
	err := error(&chatinc.APIError{Endpoint: "/v1/run/campaign", StatusCode: 429, RetryAfter: 2 * time.Second})
	d, _ := chatinc.RetryAfter(err)
	fmt.Println(chatinc.IsTransient(err), errors.Is(err, chatinc.ErrRateLimited), d)
	// Output: true true 2s
}

func ExampleWithReadOnly() {
	_, srv := exampleSandbox()
	defer srv.Close()
	ctx := context.Background()
	c, _ := chatinc.New(srv.URL, "my-api-key", chatinc.WithReadOnly())
	auds, _ := c.RetrieveAudiences(ctx)
	fmt.Println(len(auds), "audiences")
	_, err := c.CreateAudience(ctx, chatinc.Audience{ID: "vip", Name: "VIP", Contacts: []chatinc.Contact{{Number: "+27821234567"}}})
	fmt.Println(errors.Is(err, chatinc.ErrReadOnly))
	// Output:
	// 0 audiences
	// true
}

func ExampleClient_AudienceContacts() {
	_, srv := exampleSandbox()
	defer srv.Close()
	ctx := context.Background()
	c, _ := chatinc.New(srv.URL, "my-api-key")
	_, _ = c.CreateAudience(ctx, chatinc.Audience{ID: "vip", Name: "VIP",
		Contacts: []chatinc.Contact{{Number: "+27821234567"}, {Number: "+27821234568"}, {Number: "+27821234569"}}})
	n := 0
	for ct, err := range c.AudienceContacts(ctx, "vip") {
		if err != nil {
			panic(err)
		}
		if n++; n > 2 {
			break // stop early: no further page is asked for
		}
		fmt.Println(ct.Number)
	}
	// Output:
	// +27821234567
	// +27821234568
}

func ExampleRenderMessage() {
	values := map[chatinc.Placeholder]string{{Group: "customers", Field: "first_name"}: "Thandi"}
	msg := chatinc.RenderMessage("Hi {customers.first_name}, 30% off for {customers.tier} members.",
		func(p chatinc.Placeholder) (string, bool) { v, ok := values[p]; return v, ok })
	fmt.Println(msg)
	// Output: Hi Thandi, 30% off for {customers.tier} members.
}
