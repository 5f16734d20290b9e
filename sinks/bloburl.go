package sinks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// ErrSinkURL marks a sink URL that cannot be used: malformed, of an unknown
// scheme or one not built into this binary, or naming a bucket that is not
// there or cannot be reached.
var ErrSinkURL = errors.New("sinks: bad sink URL")

// SinkSchemes are the URL schemes of the warehouse sink, with an example each.
var SinkSchemes = map[string]string{
	"s3":     "s3://my-bucket?region=eu-west-1&prefix=warehouse/",
	"gs":     "gs://my-bucket?prefix=warehouse/",
	"azblob": "azblob://my-container?prefix=warehouse/",
	"file":   "file:///var/lib/campaignflow/warehouse",
}

// driverTags are the build tags that leave a driver out.
var driverTags = map[string]string{"s3": "campaignflow_nos3", "gs": "campaignflow_nogcs", "azblob": "campaignflow_noazure"}

// schemeBuilt says whether the scheme's driver is in this binary.
var schemeBuilt = blob.DefaultURLMux().ValidBucketScheme

// sinkURLError wraps ErrSinkURL with what is wrong with the URL (redacted)
// and how to fix it.
func sinkURLError(raw, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrSinkURL, RedactURL(raw), fmt.Sprintf(format, args...))
}

// CheckSinkURL checks a sink URL without reaching the bucket: it parses, its
// scheme is one of SinkSchemes and built into this binary, it names a
// bucket (or a directory), and it holds no credentials (those come from the
// environment, as each cloud's SDK reads them).
func CheckSinkURL(raw string) error {
	_, err := parseSinkURL(raw)
	return err
}

func parseSinkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, sinkURLError(raw, "it does not parse (%v); write it as SCHEME://BUCKET[?prefix=DIR/], e.g. %s",
			errors.Unwrap(err), SinkSchemes["s3"])
	}
	example, known := SinkSchemes[u.Scheme]
	if !known {
		return nil, sinkURLError(raw, "unknown scheme %q; use one of %s (or --sink-dir DIR for a local directory)",
			u.Scheme, strings.Join(slices.Sorted(maps.Keys(SinkSchemes)), ", "))
	}
	if !schemeBuilt(u.Scheme) {
		return nil, sinkURLError(raw, "the %s:// driver is not built into this binary (built without it by -tags %s); use another scheme or a build with it",
			u.Scheme, driverTags[u.Scheme])
	}
	if u.User != nil {
		return nil, sinkURLError(raw, "credentials do not go in the URL; set them in the environment (e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY)")
	}
	if u.Scheme == "file" {
		if u.Path == "" || u.Path == "/" {
			return nil, sinkURLError(raw, "no directory; write file:///absolute/dir (three slashes), e.g. %s", example)
		}
		if u.Host != "" && u.Host != "." && u.Host != "localhost" {
			return nil, sinkURLError(raw, "%q is read as a host; write file:///absolute/dir (three slashes) or file://./relative/dir", u.Host)
		}
		return u, nil
	}
	if u.Host == "" {
		return nil, sinkURLError(raw, "no bucket; write %s://BUCKET, e.g. %s", u.Scheme, example)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, sinkURLError(raw, "a path after the bucket is not a prefix; write %s://%s?prefix=%s/", u.Scheme, u.Host, strings.Trim(u.Path, "/"))
	}
	return u, nil
}

// RedactURL is raw safe to log: a password in it and the values of query
// parameters that may hold secrets (keys, tokens, signatures) are masked.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User == nil && len(urlSecrets(raw)) == 0 {
		return raw // as written
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	q := u.Query()
	if s := urlSecrets(raw); len(s) > 0 {
		for k := range q {
			if secretParam(k) {
				q[k] = []string{"xxxxx"}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func secretParam(k string) bool {
	lk := strings.ToLower(k)
	for _, s := range []string{"key", "secret", "token", "sig", "password", "credential"} {
		if strings.Contains(lk, s) {
			return true
		}
	}
	return false
}

// urlSecrets lists the secrets in raw: its password and the values of
// query parameters that may hold secrets.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p)
	}
	for k, vs := range u.Query() {
		if secretParam(k) {
			for _, v := range vs {
				if v != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// outputID names an output for its lease and state key and its consumer:
// the scheme, bucket, path and prefix, and nothing that may change without
// changing where the files go (region, endpoint, credentials' profile).
func outputID(u *url.URL) string {
	sum := sha256.Sum256([]byte(u.Scheme + "://" + u.Host + "/" + strings.Trim(u.Path, "/") + "?prefix=" + u.Query().Get("prefix")))
	return hex.EncodeToString(sum[:6])
}

// openSinkBucket opens the bucket of a checked URL: file:// URLs create the
// directory, keep no attribute sidecars and write temporaries beside the
// files (so renames never cross file systems), unless the URL says otherwise.
func openSinkBucket(ctx context.Context, raw string, u *url.URL) (*blob.Bucket, error) {
	if u.Scheme == "file" {
		q := u.Query()
		for k, v := range map[string]string{"metadata": "skip", "create_dir": "true", "no_tmp_dir": "true"} {
			if _, set := q[k]; !set {
				q.Set(k, v)
			}
		}
		c := *u
		c.RawQuery = q.Encode()
		u = &c
	}
	b, err := blob.DefaultURLMux().OpenBucketURL(ctx, u)
	if err != nil {
		return nil, sinkURLError(raw, "opening the bucket failed: %s", redactErr(err, raw))
	}
	return b, nil
}

// checkBucket lists one object to see that the bucket is there and readable.
func checkBucket(ctx context.Context, b *blob.Bucket, raw string) error {
	ok, err := b.IsAccessible(ctx)
	switch {
	case err != nil && gcerrors.Code(err) == gcerrors.PermissionDenied:
		return sinkURLError(raw, "access denied (%s); check the credentials in the environment and the bucket's permissions (list, read, write, delete)", redactErr(err, raw))
	case err != nil:
		return sinkURLError(raw, "the bucket cannot be reached (%s); check the endpoint, region and network, and the credentials in the environment", redactErr(err, raw))
	case !ok:
		return sinkURLError(raw, "the bucket does not exist; create it first (campaignflow writes objects, it does not create buckets)")
	}
	return nil
}

// redactErr is err's message with the raw URL replaced by its redacted
// form and any secret of the URL masked wherever else it shows.
func redactErr(err error, raw string) string {
	msg := err.Error()
	if raw == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, raw, RedactURL(raw))
	for _, s := range urlSecrets(raw) {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
		msg = strings.ReplaceAll(msg, url.QueryEscape(s), "xxxxx")
		msg = strings.ReplaceAll(msg, url.PathEscape(s), "xxxxx")
	}
	return msg
}
