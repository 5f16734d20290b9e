package config

import (
	"net/url"
	"strings"
)

// RedactURLs is a URL, or a comma-separated list of them (NATS), with its
// secrets replaced by xxxxx: a password, or a user given alone (a NATS
// token is written as nats://TOKEN@host).
func RedactURLs(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		if _, hasPassword := u.User.Password(); hasPassword {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		} else {
			u.User = url.User("xxxxx")
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
