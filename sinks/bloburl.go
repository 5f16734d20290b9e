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
		return nil, sinkURLError(raw, "credentials do not go in the URL; %s", credentialsHint(u.Scheme))
	}
	if k := paramWithCredentials(u.Query()); k != "" {
		return nil, sinkURLError(raw, "credentials do not go in the URL (the %s parameter holds a user and password); write it without them and %s",
			k, credentialsHint(u.Scheme))
	}
	if u.Scheme == "file" {
		if u.Path == "" || u.Path == "/" {
			return nil, sinkURLError(raw, "no directory; write file:///absolute/dir (three slashes), e.g. %s", example)
		}
		if u.Host != "" && u.Host != "." && u.Host != "localhost" {
			return nil, sinkURLError(raw, "%q is read as a host; write file:///absolute/dir (three slashes) or file://./relative/dir", u.Host)
		}
		if p := u.Query().Get("prefix"); slices.Contains(strings.Split(p, "/"), "..") {
			return nil, sinkURLError(raw, "prefix %q leaves the directory (..); write a prefix inside it (e.g. prefix=warehouse/) or put the directory itself in the path", p)
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
	if u.RawQuery != "" {
		pairs := strings.Split(u.RawQuery, "&")
		for i, pair := range pairs {
			k, v, _ := strings.Cut(pair, "=")
			key, err1 := url.QueryUnescape(k)
			val, err2 := url.QueryUnescape(v)
			switch {
			case err1 != nil || err2 != nil:
				pairs[i] = k + "=xxxxx" // cannot tell: mask
			case secretParam(key):
				pairs[i] = k + "=xxxxx"
			default:
				if ui, _ := valueCredentials(val); ui != nil {
					pairs[i] = k + "=" + queryValueEscaper.Replace(url.QueryEscape(maskValueCredentials(val)))
				}
			}
		}
		u.RawQuery = strings.Join(pairs, "&")
	}
	return u.String()
}

// queryValueEscaper undoes QueryEscape for the characters a URL in a query
// value may keep as they are (RFC 3986 section 3.4), so it stays readable.
var queryValueEscaper = strings.NewReplacer("%3A", ":", "%2F", "/", "%40", "@")

// valueCredentials is the user and password a query value holds as a URL
// (e.g. endpoint=http://user:pw@host:9000, or user:pw@host:9000 without a
// scheme), and the value parsed; nil when it holds none. A user without a
// password counts only in a URL with a scheme (an e-mail address, as a
// service account's access_id, does not).
func valueCredentials(v string) (*url.Userinfo, *url.URL) {
	if !strings.Contains(v, "@") {
		return nil, nil
	}
	if strings.Contains(v, "://") {
		if pv, err := url.Parse(v); err == nil && pv.User != nil {
			return pv.User, pv
		}
		return nil, nil
	}
	if pv, err := url.Parse("//" + v); err == nil && pv.User != nil {
		if _, ok := pv.User.Password(); ok {
			return pv.User, pv
		}
	}
	return nil, nil
}

// maskValueCredentials is v with the user and password it holds masked.
func maskValueCredentials(v string) string {
	_, pv := valueCredentials(v)
	if pv == nil {
		return v
	}
	pv.User = url.User("xxxxx")
	if !strings.Contains(v, "://") {
		return strings.TrimPrefix(pv.String(), "//")
	}
	return pv.String()
}

// paramWithCredentials is the first query parameter (by name) whose value
// holds a user and password, or "".
func paramWithCredentials(q url.Values) string {
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			if ui, _ := valueCredentials(v); ui != nil {
				return k
			}
		}
	}
	return ""
}

// credentialsHint says where a scheme's credentials go instead of the URL.
func credentialsHint(scheme string) string {
	switch scheme {
	case "s3":
		return "set them in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) or let the AWS credential chain find them (shared credentials file, instance or task role)"
	case "gs":
		return "set GOOGLE_APPLICATION_CREDENTIALS in the environment or let the Google credential chain find them (gcloud application-default login, the instance's service account)"
	case "azblob":
		return "set them in the environment (AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN) or let the Azure credential chain find them (az login, managed identity)"
	case "file":
		return "file:// takes none (the worker's user must be able to write the directory)"
	}
	return "set them in the environment, as the cloud's SDK reads them"
}

// unreachableHint says what to check when a scheme's bucket cannot be reached.
func unreachableHint(scheme string) string {
	switch scheme {
	case "file":
		return "check that the directory exists or can be created, that the worker's user can write it, and that prefix stays inside it"
	case "s3":
		return "check the endpoint, region and network, and the credentials (environment or AWS credential chain)"
	case "gs":
		return "check the network and the credentials (GOOGLE_APPLICATION_CREDENTIALS or the Google credential chain)"
	case "azblob":
		return "check the storage account, domain and network, and the credentials (AZURE_STORAGE_* or the Azure credential chain)"
	}
	return "check the network and the credentials"
}

// openHint says what to check when a scheme's bucket cannot be opened.
func openHint(scheme string) string {
	if scheme == "file" {
		return "check that the path is a directory (or can be created as one) that the worker's user can write"
	}
	return "check the URL's query parameters (each driver takes its own; an unknown one is refused)"
}

// deniedHint says what to check when a scheme's bucket refuses access.
func deniedHint(scheme string) string {
	if scheme == "file" {
		return "check the directory's permissions (the worker's user lists, reads, writes and deletes files in it)"
	}
	return "check the credentials and the bucket's permissions (list, read, write, delete)"
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
		for _, v := range vs {
			switch ui, _ := valueCredentials(v); {
			case secretParam(k) && v != "":
				out = append(out, v)
			case ui != nil:
				out = append(out, ui.String())
				if p, ok := ui.Password(); ok && p != "" {
					out = append(out, p)
				}
			}
		}
	}
	// longest first, so a secret that holds another is masked whole
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
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
		return nil, sinkURLError(raw, "opening the bucket failed: %s; %s", redactErr(err, raw), openHint(u.Scheme))
	}
	return b, nil
}

// checkBucket lists one object to see that the bucket is there and readable.
func checkBucket(ctx context.Context, b *blob.Bucket, raw, scheme string) error {
	ok, err := b.IsAccessible(ctx)
	switch {
	case err != nil && gcerrors.Code(err) == gcerrors.PermissionDenied:
		return sinkURLError(raw, "access denied (%s); %s", redactErr(err, raw), deniedHint(scheme))
	case err != nil:
		return sinkURLError(raw, "the bucket cannot be reached (%s); %s", redactErr(err, raw), unreachableHint(scheme))
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
