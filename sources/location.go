package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
)

// Location is where a CSV comes from: exactly one field is set.
type Location struct {
	ObjectStore *ObjectStoreLocation `json:"object_store,omitempty"`
	File        string               `json:"file,omitempty"`
	URL         string               `json:"url,omitempty"`
}

// ObjectStoreLocation is an object in a NATS Object Store bucket.
type ObjectStoreLocation struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// LocationPolicy says which locations may be opened.
type LocationPolicy struct {
	AllowedDirs  []string // files must resolve under one of these
	AllowedHosts []string // HTTPS hosts that may be fetched
	// AllowPrivate lets URLs reach loopback and private addresses (tests only).
	AllowPrivate bool
	// HTTPClient overrides the client for URL locations (its dialer is still checked).
	Transport http.RoundTripper
	Timeout   time.Duration
}

// ErrLocationRefused is matched by every refusal of OpenLocation.
var ErrLocationRefused = errors.New("sources: location refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrLocationRefused, fmt.Sprintf(format, args...))
}

// OpenLocation opens a CSV location allowed by policy.
func OpenLocation(ctx context.Context, js jetstream.JetStream, loc Location, p LocationPolicy) (io.ReadCloser, error) {
	n := 0
	for _, set := range []bool{loc.ObjectStore != nil, loc.File != "", loc.URL != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, refused("source must have exactly one of object_store, file or url (got %d)", n)
	}
	switch {
	case loc.ObjectStore != nil:
		return openObject(ctx, js, *loc.ObjectStore)
	case loc.File != "":
		return openFile(loc.File, p)
	default:
		return openURL(ctx, loc.URL, p)
	}
}

// Limits of an object store location: both end up in NATS subjects, and a
// subject over the server's control line closes the connection.
const (
	maxBucketLen    = 64
	maxObjectKeyLen = 1024
)

// CheckObjectLocation says whether bucket and key can name an object: a
// bucket of 1 to 64 letters, digits, _ or -, and a key of 1 to 1024 bytes
// of UTF-8.
func CheckObjectLocation(o ObjectStoreLocation) error {
	switch {
	case o.Bucket == "" || o.Key == "":
		return refused("object_store needs bucket and key")
	case len(o.Bucket) > maxBucketLen || strings.IndexFunc(o.Bucket, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0:
		return refused("object_store bucket %.80q must be 1 to %d letters, digits, _ or -", o.Bucket, maxBucketLen)
	case len(o.Key) > maxObjectKeyLen || !utf8.ValidString(o.Key):
		return refused("object_store key of %d bytes must be at most %d bytes of UTF-8", len(o.Key), maxObjectKeyLen)
	}
	return nil
}

func openObject(ctx context.Context, js jetstream.JetStream, o ObjectStoreLocation) (io.ReadCloser, error) {
	if err := CheckObjectLocation(o); err != nil {
		return nil, err
	}
	if js == nil {
		return nil, refused("object store %s/%s: no NATS connection", o.Bucket, o.Key)
	}
	os, err := js.ObjectStore(ctx, o.Bucket)
	if err != nil {
		return nil, fmt.Errorf("sources: object store bucket %q: %w", o.Bucket, err)
	}
	r, err := os.Get(ctx, o.Key)
	if err != nil {
		return nil, fmt.Errorf("sources: object %q in bucket %q: %w", o.Key, o.Bucket, err)
	}
	return r, nil
}

func openFile(path string, p LocationPolicy) (io.ReadCloser, error) {
	path = strings.TrimPrefix(path, "file://")
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, refused("file %q: %v", path, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("sources: file %q: %w", path, err)
	}
	for _, dir := range p.AllowedDirs {
		d, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		if rd, err := filepath.EvalSymlinks(d); err == nil {
			d = rd
		}
		if rel, err := filepath.Rel(d, real); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel) {
			return openOS(real)
		}
	}
	return nil, refused("file %q is not under an allowed directory %v (set csv.allowed_dirs)", path, p.AllowedDirs)
}

func openURL(ctx context.Context, raw string, p LocationPolicy) (io.ReadCloser, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, refused("url %q: only https:// URLs are allowed", raw)
	}
	allowed := false
	for _, h := range p.AllowedHosts {
		if strings.EqualFold(h, u.Hostname()) || strings.EqualFold(h, u.Host) {
			allowed = true
		}
	}
	if !allowed {
		return nil, refused("url host %q is not on the allow-list %v (set csv.allowed_hosts)", u.Host, p.AllowedHosts)
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, _ := net.SplitHostPort(address)
		ip := net.ParseIP(host)
		if !p.AllowPrivate && (ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsLinkLocalMulticast()) {
			return refused("url %q resolves to a private address %s", raw, host)
		}
		return nil
	}}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second}
	if base, ok := p.Transport.(*http.Transport); ok {
		tr = base.Clone()
		tr.DialContext = dialer.DialContext
	}
	hc := &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		return refused("url %q redirects to %s; give the final URL", raw, req.URL)
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, refused("url %q: %v", raw, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, ErrLocationRefused) {
			return nil, refused("url %q resolves to a private or loopback address", raw)
		}
		return nil, fmt.Errorf("sources: fetching %s: %w", u.Redacted(), err)
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("sources: fetching %s: HTTP %d", u.Redacted(), resp.StatusCode)
	}
	return resp.Body, nil
}
