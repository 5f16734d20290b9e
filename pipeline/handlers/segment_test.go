package handlers

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

func TestSegmentEndToEnd(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	ev := &events.SegmentUpdated{
		Audience: events.Audience{ID: "vip-shoppers", Name: "VIP shoppers"},
		Contacts: []events.Contact{
			{Number: "+27 82 123 4567", Attributes: map[string]string{"first_name": "Thandi", "tier": "gold", "other": "x"}},
			{Number: "not a number"},
			{Number: "082 765 4321", Attributes: map[string]string{"first_name": "Sipho"}},
			{Number: "+1 202"},
		},
		VariableGroup: &events.VariableGroupRef{ID: "customers", Name: "customers", Fields: []string{"first_name", "tier"}},
	}
	for range 2 { // a redelivery merges to the same state
		if err := e.h.Segment.Handle(ctx, "seg-1", ev); err != nil {
			t.Fatal(err)
		}
	}
	got, ok := e.sb.Audience("vip-shoppers")
	slices.Sort(got)
	if want := []string{"+27821234567", "+27827654321"}; !ok || !slices.Equal(got, want) {
		t.Fatalf("audience = %v, want %v", got, want)
	}
	fields, values, ok := e.sb.VariableGroup("customers")
	if !ok || !slices.Equal(fields, []string{"first_name", "tier"}) {
		t.Fatalf("group fields = %v ok=%v", fields, ok)
	}
	if values["+27821234567"]["tier"] != "gold" || values["+27827654321"]["first_name"] != "Sipho" {
		t.Fatalf("group values = %v", values)
	}
	rep := e.report(t, "seg-1")
	if rep.EventID != "seg-1" || rep.RowsAccepted != 2 || rep.RowsRejected != 2 || len(rep.Rejected) != 2 {
		t.Fatalf("report = %+v", rep)
	}
	if r := rep.Rejected[0]; r.Row != 2 || r.Column != "number" || r.Value != "*********ber" || r.Reason == "" {
		t.Fatalf("rejected row = %+v", r)
	}
}

func TestSegmentInvalidIsValidationClass(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	err := e.h.Segment.Handle(context.Background(), "seg-2", &events.SegmentUpdated{})
	if c := pipeline.ClassOf(err); c != pipeline.ClassValidation {
		t.Fatalf("class %q for %v, want validation", c, err)
	}
}

func TestSegmentGroupWithoutFieldsUsesAttributes(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	err := e.h.Segment.Handle(context.Background(), "seg-3", &events.SegmentUpdated{
		Audience:      events.Audience{ID: "a"},
		Contacts:      []events.Contact{{Number: "0821234567", Attributes: map[string]string{"tier": "gold", "first_name": "T"}}},
		VariableGroup: &events.VariableGroupRef{ID: "g"},
	})
	if err != nil {
		t.Fatal(err)
	}
	fields, values, ok := e.sb.VariableGroup("g")
	if !ok || !slices.Equal(fields, []string{"first_name", "tier"}) || values["+27821234567"]["tier"] != "gold" {
		t.Fatalf("group = %v %v %v", fields, values, ok)
	}
}

// TestSegmentManyContactsKeepTheirValues: an event with more contacts than
// the handler's small buffers hold, bad numbers among them, stores each good
// number with its own attributes.
func TestSegmentManyContactsKeepTheirValues(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	ev := &events.SegmentUpdated{Audience: events.Audience{ID: "many"},
		VariableGroup: &events.VariableGroupRef{ID: "many", Fields: []string{"first_name"}}}
	want := map[string]string{}
	for i := range 40 {
		number := fmt.Sprintf("+27 82 %03d %04d", i, 1000+i)
		if i%7 == 3 {
			number = fmt.Sprintf("bad %d", i)
		} else {
			want[fmt.Sprintf("+2782%03d%04d", i, 1000+i)] = fmt.Sprint("n", i)
		}
		ev.Contacts = append(ev.Contacts, events.Contact{Number: number, Attributes: map[string]string{"first_name": fmt.Sprint("n", i)}})
	}
	if err := e.h.Segment.Handle(context.Background(), "seg-many", ev); err != nil {
		t.Fatal(err)
	}
	got, _ := e.sb.Audience("many")
	_, values, _ := e.sb.VariableGroup("many")
	if len(got) != len(want) || len(values) != len(want) {
		t.Fatalf("%d numbers, %d values; want %d", len(got), len(values), len(want))
	}
	for number, name := range want {
		if values[number]["first_name"] != name {
			t.Errorf("%s: first_name %q, want %q", number, values[number]["first_name"], name)
		}
	}
}
