package config_test

import (
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                      "nats://127.0.0.1:4222",
		"nats://alice:s3cret@n1:4222,nats://n2:4222": "nats://alice:xxxxx@n1:4222,nats://n2:4222",
		"nats://s3cr3tt0ken@n1:4222":                 "nats://xxxxx@n1:4222",
		"https://user:pw@api.chatinc.example/v1?x=1": "https://user:xxxxx@api.chatinc.example/v1?x=1",
		"": "",
	} {
		if got := config.RedactURLs(in); got != want {
			t.Errorf("RedactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigStringHidesURLSecrets(t *testing.T) {
	c := config.Defaults()
	c.NATS.URL, c.ChatInc.URL, c.ChatInc.APIKey = "nats://alice:s3cret@n1:4222", "https://bob:pw2@chat.example", "key9"
	for _, s := range []string{c.String(), c.LogValue().String()} {
		for _, secret := range []string{"s3cret", "pw2", "key9"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %q", s, secret)
			}
		}
	}
}
