package events

import (
	"errors"
	"strings"
	"testing"
)

// TestIDsFollowTheContract: promo, audience and event ids may hold any
// printable ASCII without spaces (dots and colons too, they are encoded in
// keys), up to 256 bytes; the rest is refused with a short message.
func TestIDsFollowTheContract(t *testing.T) {
	long := strings.Repeat("p", 5000)
	promo := func(id, audience string) string {
		return `{"promo_id":"` + id + `","title":"t","message":"m","audiences":["` + audience + `"]}`
	}
	tests := []struct {
		name, typ, body, want string // want "" means valid
	}{
		{"dots and colons in promo_id", TypeSendPromo, promo("bf.2026:a*b>c", "vip"), ""},
		{"5000-char promo_id", TypeSendPromo, promo(long, "vip"), "promo_id: invalid id: 5000 bytes"},
		{"space in audience", TypeSendPromo, promo("p", "v ip"), "audiences[0]: invalid id: a space"},
		{"non-ASCII audience.id", TypeSegmentUpdated, `{"audience":{"id":"vip\u00e9"},"contacts":[{"number":"1"}]}`, "audience.id: invalid id: non-ASCII"},
		{"invalid UTF-8 audience.id", TypeSegmentUpdated, "{\"audience\":{\"id\":\"vip\xff\"},\"contacts\":[{\"number\":\"1\"}]}", "audience.id: invalid id: U+FFFD (invalid UTF-8 in the event"},
		{"10 KB event_id in body", TypeScheduleCancelled, `{"event_id":"` + strings.Repeat("e", 10_000) + `","promo_id":"p"}`, "event_id: invalid id: 10000 bytes"},
		{"10 KB object store bucket", TypeAudienceFileUploaded, `{"audience":{"id":"a"},"source":{"object_store":{"bucket":"` + strings.Repeat("b", 10_000) + `","key":"k"}}}`, "source.object_store: object_store bucket"},
		{"10 KB object store key", TypeAudienceFileUploaded, `{"audience":{"id":"a"},"source":{"object_store":{"bucket":"b","key":"` + strings.Repeat("k", 10_000) + `"}}}`, "key of 10000 bytes"},
		{"long group id", TypeSegmentUpdated, `{"audience":{"id":"a"},"contacts":[{"number":"1"}],"variable_group":{"id":"` + long + `"}}`, "variable_group.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.typ, []byte(tt.body))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a validation error with %q", err, tt.want)
			}
			if len(err.Error()) > 500 {
				t.Fatalf("message is %d bytes: %.200s", len(err.Error()), err)
			}
		})
	}
}

// TestManyProblemsAreCounted: 200k contacts without numbers give a message of
// bounded size that still says how many problems there are.
func TestManyProblemsAreCounted(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"audience":{"id":"a"},"contacts":[`)
	for i := range 200_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"number":""}`)
	}
	b.WriteString(`]}`)
	_, err := Parse(TypeSegmentUpdated, []byte(b.String()))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 200_000 {
		t.Fatalf("err = %.200v", err)
	}
	if msg := err.Error(); len(msg) > 4096 || !strings.Contains(msg, "and 199950 more problems") {
		t.Fatalf("message of %d bytes: %.300s", len(msg), msg)
	}
}
