package events

import (
	"errors"
	"strings"
	"testing"
)

const contractPromo = `{
  "event_id": "promo-bf-2026", "promo_id": "bf-2026", "title": "Black Friday 2026",
  "message": "Hi {customers.first_name}, 30% off for {customers.tier} members today.",
  "image_url": "https://cdn.example.com/bf.jpg",
  "buttons": [{"text": "Shop now", "type": "url", "url": "https://shop.example.com/bf"}],
  "audiences": ["vip-shoppers"], "language_code": "enUS",
  "schedule": {"at": "2026-11-27T09:00:00+02:00"}}`

func TestParseContractExamples(t *testing.T) {
	tests := []struct {
		typ, body string
	}{
		{TypeSegmentUpdated, `{"event_id":"seg-1","audience":{"id":"vip-shoppers","name":"VIP shoppers","description":"x"},
		  "contacts":[{"number":"+27 82 123 4567","attributes":{"first_name":"Thandi","tier":"gold"}}],
		  "variable_group":{"id":"customers","name":"customers","fields":["first_name","tier"]}}`},
		{TypeAudienceFileUploaded, `{"event_id":"file-7781","audience":{"id":"black-friday-list","name":"Black Friday list"},
		  "source":{"object_store":{"bucket":"uploads","key":"2026/11/bf.csv"}},
		  "columns":{"number":"Phone","fields":{"first_name":"First Name","tier":"Tier"}},
		  "variable_group":{"id":"customers","name":"customers"}}`},
		{TypeSendPromo, contractPromo},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],
		  "schedule":{"cron":"0 9 * * FRI","time_zone":"Africa/Johannesburg","until":"2027-01-01T00:00:00Z","catch_up":"once"}}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"schedule":{"cron":"30 0 9 * * FRI"}}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"quiet_hours":"21:00-08:00"}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"quiet_hours":"00:00-00:00"}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"frequency_cap":{"max":2,"per":"7d"}}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"schedule":{"local_time":"09:00","date":"2026-12-01"}}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"schedule":{"local_time":"09:05","cron":"5 9 * * MON-FRI","catch_up":"skip"}}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"schedule":{"local_time":"09:00","cron":"0 0 9 1 * *"}}`},
		{TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["all"],"frequency_cap":{"max":1,"per":"1d12h"}}`},
		{TypeScheduleCancelled, `{"event_id":"x","promo_id":"bf-2026"}`},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			v, err := Parse(tt.typ, []byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if v == nil {
				t.Fatal("Parse returned nil value")
			}
		})
	}
}

func TestParseTypedValues(t *testing.T) {
	v, err := Parse(TypeSendPromo, []byte(contractPromo))
	if err != nil {
		t.Fatal(err)
	}
	p := v.(*SendPromo)
	if p.PromoID != "bf-2026" || p.Buttons[0].URL != "https://shop.example.com/bf" || p.Schedule.AtTime().IsZero() || p.IsCron() {
		t.Fatalf("decoded %+v", p)
	}
}

func TestValidateListsEveryProblemWithPaths(t *testing.T) {
	tests := []struct {
		name, typ, body string
		want            []string
	}{
		{"forbidden button mix", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "buttons":[{"text":"Go","type":"url","url":"https://x.example"},{"text":"Ask","type":"input","input":"q"}]}`,
			[]string{"send-promo: buttons: phone and url buttons can only be used together"}},
		{"bad button fields", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "buttons":[{"text":"ok","type":"url","url":"https://x.example"},{"text":"","type":"url","url":"https://y.example"},{"text":"c","type":"phone","phone_number":"123"}]}`,
			[]string{"buttons[1].text: is required", "buttons[2].phoneNumber:"}},
		{"missing everything", TypeSendPromo, `{}`,
			[]string{"promo_id: is required", "title: is required", "message: is required", "audiences: at least one"}},
		{"bad schedule", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "schedule":{"cron":"61 * * * *","time_zone":"Mars/Olympus","catch_up":"always"}}`,
			[]string{"schedule.cron:", "schedule.time_zone: \"Mars/Olympus\"", "schedule.catch_up:"}},
		{"the machine's zone", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "schedule":{"cron":"0 9 * * *","time_zone":"Local"}}`,
			[]string{"schedule.time_zone: \"Local\" is this machine's zone"}},
		{"at and cron", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "schedule":{"at":"tomorrow","cron":"* * * * *"}}`,
			[]string{"schedule: give either at or cron", "schedule.at: \"tomorrow\""}},
		{"too long", TypeSendPromo, `{"promo_id":"p","title":"` + strings.Repeat("t", 257) + `","message":"` + strings.Repeat("é", 4097) + `",
		  "image_url":"https://x.example/` + strings.Repeat("i", 2048) + `","audiences":["a"]}`,
			[]string{"title: is 257 characters, at most 256", "message: is 4097 characters, at most 4096", "image_url: is 2066 bytes, at most 2048"}},
		{"far future", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"at":"9999-12-31T23:59:59Z"}}`,
			[]string{"schedule.at: \"9999-12-31T23:59:59Z\" is more than a year ahead"}},
		{"second-wave fields", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "quiet_hours":"21:00-08:00","frequency_cap":{"max":2,"per":"7d"},"schedule":{"local_time":"09:00","cron":"0 10 * * FRI","time_zone":"UTC"}}`,
			[]string{`schedule.cron: "0 10 * * FRI": its minute and hour must be local_time's ("0 9")`, "schedule.time_zone: does not apply with local_time"}},
		{"local time with date and cron", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"09:00","date":"2026-12-01","cron":"0 9 * * *"}}`,
			[]string{`schedule: give local_time with either date or cron, not both`}},
		{"local time with a descriptor", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"09:30","cron":"@daily"}}`,
			[]string{`schedule.cron: "@daily": with local_time give five fields whose minute and hour are local_time's ("30 9 * * FRI"`}},
		{"local time without a date", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"09:00"}}`,
			[]string{`schedule.date: is required with local_time`}},
		{"date without a local time", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"date":"2026-12-01"}}`,
			[]string{`schedule.local_time: is required with date`}},
		{"local time not a time", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"9am","date":"2026-12-01"}}`,
			[]string{`schedule.local_time: "9am" must be HH:MM`}},
		{"local time out of range", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"24:00","date":"2026-12-01"}}`,
			[]string{`schedule.local_time: "24:00" must be HH:MM`}},
		{"date not a date", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"09:00","date":"01/12/2026"}}`,
			[]string{`schedule.date: "01/12/2026" must be a date like 2026-12-01`}},
		{"date far ahead", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"09:00","date":"2099-12-01"}}`,
			[]string{`schedule.date: "2099-12-01" is more than a year ahead`}},
		{"local time and at", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"local_time":"09:00","date":"2026-12-01","at":"2026-12-01T09:00:00Z"}}`,
			[]string{`schedule: give either at or local_time with date, not both`}},
		{"frequency cap bounds", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"frequency_cap":{"max":0,"per":"100d"}}`,
			[]string{`frequency_cap.max: 0 must be 1 to 1000`, `frequency_cap.per: "100d" must be from 1h to 90d`}},
		{"frequency cap per not a duration", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"frequency_cap":{"max":2,"per":"a week"}}`,
			[]string{`frequency_cap.per: "a week" is not a duration like "7d"`}},
		{"frequency cap per missing", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"frequency_cap":{"max":2}}`,
			[]string{`frequency_cap.per: is required: a duration like "7d"`}},
		{"frequency cap too short", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"frequency_cap":{"max":2,"per":"30m"}}`,
			[]string{`frequency_cap.per: "30m" must be from 1h to 90d`}},
		{"quiet hours not a window", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"quiet_hours":"9pm-8am"}`,
			[]string{`quiet_hours: "9pm-8am": start "9pm" is not HH:MM`}},
		{"quiet hours without an end", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"quiet_hours":"21:00"}`,
			[]string{`quiet_hours: "21:00" must be HH:MM-HH:MM`}},
		{"quiet hours out of range", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"quiet_hours":"21:00-24:00"}`,
			[]string{`quiet_hours: "21:00-24:00": end "24:00" is not a time of day`}},
		{"quiet hours of no length", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"quiet_hours":"08:00-08:00"}`,
			[]string{`quiet_hours: "08:00-08:00" starts and ends at the same time; for no quiet hours give "00:00-00:00"`}},
		{"cron that ended", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],"schedule":{"cron":"0 9 * * *","until":"2020-01-01T00:00:00Z"}}`,
			[]string{"schedule.until: \"2020-01-01T00:00:00Z\" is in the past"}},
		{"long buttons", TypeSendPromo, `{"promo_id":"p","title":"t","message":"m","audiences":["a"],
		  "buttons":[{"text":"` + strings.Repeat("b", 26) + `","type":"url","url":"https://x.example/` + strings.Repeat("u", 2000) + `"}]}`,
			[]string{"buttons[0].text: is 26 characters, at most 25", "buttons[0].url: is 2018 bytes, at most 2000"}},
		{"contact bounds", TypeSegmentUpdated, `{"audience":{"id":"a"},"contacts":[{"number":"` + strings.Repeat("1", 65) + `"},
		  {"number":"+27821234567","attributes":{"first_name":"` + strings.Repeat("n", 16<<10+1) + `"}}]}`,
			[]string{"contacts[0].number: is 65 bytes, at most 64", `contacts[1].attributes: "first_name" is 16385 bytes, at most 16384`}},
		{"bad placeholder", TypeSendPromo, `{"promo_id":"p","title":"t","message":"Hi {cust omers.x}","audiences":["a"]}`,
			[]string{"message: {cust omers.x} looks like a variable"}},
		{"segment without contacts", TypeSegmentUpdated, `{"audience":{}}`,
			[]string{"audience.id: is required", "contacts: at least one contact"}},
		{"segment contact number", TypeSegmentUpdated, `{"audience":{"id":"a"},"contacts":[{"number":"1"},{}],"variable_group":{"id":"g","fields":["number","a b"]}}`,
			[]string{"contacts[1].number: is required", "variable_group.fields[0]:", "variable_group.fields[1]:"}},
		{"file two sources", TypeAudienceFileUploaded, `{"audience":{"id":"a"},"source":{"file":"x.csv","url":"http://x"}}`,
			[]string{"source.url: \"http://x\" must be an https URL", "source: exactly one"}},
		{"cancel", TypeScheduleCancelled, `{}`, []string{"schedule-cancelled: promo_id: is required"}},
		{"not json", TypeScheduleCancelled, `{`, []string{"body is not a valid schedule-cancelled event"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.typ, []byte(tt.body))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want *ValidationError, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseUnknownType(t *testing.T) {
	if _, err := Parse("nope", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "unknown event type") {
		t.Fatalf("got %v", err)
	}
}

// TestPromoCronIsTheSchedulersRule: a promo's cron validates exactly when
// the scheduler can register it (TZ= prefixes included, which it refuses).
func TestPromoCronIsTheSchedulersRule(t *testing.T) {
	tests := []struct {
		expr string
		ok   bool
	}{{"0 9 * * FRI", true}, {"0 0 9 * * FRI", true}, {"@daily", true}, {"* * *", false}, {"0 0 0 9 * * FRI", false},
		{"0 25 * * *", false}, {"CRON_TZ=UTC 0 9 * * FRI", false}, {"TZ=Africa/Johannesburg 0 9 * * *", false}}
	for _, tt := range tests {
		_, err := Parse(TypeSendPromo, []byte(`{"promo_id":"p","title":"t","message":"m","audiences":["all"],"schedule":{"cron":"`+tt.expr+`"}}`))
		if (err == nil) != tt.ok {
			t.Errorf("cron %q: err=%v, want ok=%v", tt.expr, err, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(TypeSendPromo, []byte(contractPromo))
	f.Add(TypeSegmentUpdated, []byte(`{"audience":{"id":"a"},"contacts":[{"number":"1"}]}`))
	f.Add(TypeScheduleCancelled, []byte(`{"promo_id":"x"}`))
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		v, err := Parse(typ, body)
		if (v == nil) == (err == nil) {
			t.Fatalf("Parse(%q) returned value %v and error %v", typ, v, err)
		}
	})
}

// TestDecodeIsParseForOneType: the typed decode the router uses gives the
// same event and the same problems as Parse.
func TestDecodeIsParseForOneType(t *testing.T) {
	p, err := Decode[SendPromo](TypeSendPromo, []byte(contractPromo))
	if err != nil || p.PromoID != "bf-2026" || p.Schedule.AtTime().IsZero() {
		t.Fatalf("Decode = %+v, %v", p, err)
	}
	_, err = Decode[SendPromo](TypeSendPromo, []byte(`{"promo_id":"x"}`))
	_, want := Parse(TypeSendPromo, []byte(`{"promo_id":"x"}`))
	var ve *ValidationError
	if !errors.As(err, &ve) || err.Error() != want.Error() {
		t.Fatalf("Decode err %v, Parse err %v", err, want)
	}
}
