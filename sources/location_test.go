package sources_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestOpenLocation(t *testing.T) {
	ctx := context.Background()
	allowed := t.TempDir()
	outside := t.TempDir()
	_ = os.WriteFile(filepath.Join(allowed, "ok.csv"), []byte("number\n1\n"), 0o600)
	_ = os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("x"), 0o600)
	_ = os.Symlink(filepath.Join(outside, "secret.csv"), filepath.Join(allowed, "link.csv"))
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("number\n1\n")) }))
	defer ts.Close()
	host := mustHost(ts.URL)
	_, nurl := natstest.RunJetStream(t)
	js := natstest.JetStream(t, nurl)
	obs, _ := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "uploads"})
	_, _ = obs.Put(ctx, jetstream.ObjectMeta{Name: "2026/11/bf.csv"}, bytes.NewReader([]byte("number\n1\n")))

	policy := sources.LocationPolicy{AllowedDirs: []string{allowed}, AllowedHosts: []string{host}, Transport: ts.Client().Transport}
	private := policy
	private.AllowPrivate = true
	cases := []struct {
		name   string
		loc    sources.Location
		policy sources.LocationPolicy
		ok     bool
	}{
		{"file under allowed dir", sources.Location{File: filepath.Join(allowed, "ok.csv")}, policy, true},
		{"file:// under allowed dir", sources.Location{File: "file://" + filepath.Join(allowed, "ok.csv")}, policy, true},
		{"file outside", sources.Location{File: filepath.Join(outside, "secret.csv")}, policy, false},
		{"dot-dot escape", sources.Location{File: filepath.Join(allowed, "..", filepath.Base(outside), "secret.csv")}, policy, false},
		{"symlink escape", sources.Location{File: filepath.Join(allowed, "link.csv")}, policy, false},
		{"http refused", sources.Location{URL: "http://" + host + "/x.csv"}, private, false},
		{"host not on list", sources.Location{URL: "https://evil.example/x.csv"}, private, false},
		{"loopback refused", sources.Location{URL: ts.URL + "/x.csv"}, policy, false},
		{"https allowed (private allowed for the test)", sources.Location{URL: ts.URL + "/x.csv"}, private, true},
		{"object store", sources.Location{ObjectStore: &sources.ObjectStoreLocation{Bucket: "uploads", Key: "2026/11/bf.csv"}}, policy, true},
		{"two sources", sources.Location{File: "a", URL: "https://b"}, policy, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := sources.OpenLocation(ctx, js, tc.loc, tc.policy)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				_ = rc.Close()
				if string(b) != "number\n1\n" {
					t.Fatalf("read %q", b)
				}
				return
			}
			if err == nil {
				_ = rc.Close()
				t.Fatal("opened a location the policy forbids")
			}
			if !errors.Is(err, sources.ErrLocationRefused) {
				t.Fatalf("err = %v, want ErrLocationRefused", err)
			}
		})
	}
}

func mustHost(raw string) string {
	u, _ := url.Parse(raw)
	return u.Hostname()
}

// TestObjectLocationCannotKillTheConnection: a bucket or key long enough to
// overflow the server's control line is refused before anything is sent
// (nats-server would close the connection for good), and the connection
// stays up.
func TestObjectLocationCannotKillTheConnection(t *testing.T) {
	_, nurl := natstest.RunJetStream(t)
	nc := natstest.Connect(t, nurl)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("b", 10_000)
	for _, loc := range []sources.ObjectStoreLocation{{Bucket: long, Key: "k"}, {Bucket: "uploads", Key: long}, {Bucket: "a.b", Key: "k"}, {Bucket: "u", Key: "\xff"}} {
		_, err := sources.OpenLocation(context.Background(), js, sources.Location{ObjectStore: &loc}, sources.LocationPolicy{})
		if !errors.Is(err, sources.ErrLocationRefused) || len(err.Error()) > 300 {
			t.Fatalf("bucket of %d bytes, key of %d bytes: %v", len(loc.Bucket), len(loc.Key), err)
		}
	}
	if err := nc.Flush(); err != nil || nc.IsClosed() {
		t.Fatalf("connection after the refusals: %v (closed %v)", err, nc.IsClosed())
	}
}
