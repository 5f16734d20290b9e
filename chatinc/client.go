package chatinc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
)

// Client talks to one Chat Inc account. It is safe for concurrent use; its
// flow control (see FlowControl) is shared by every goroutine.
type Client struct {
	base      *url.URL
	baseURL   string   // base.String(), once
	authHdr   []string // the Authorization header's value, shared by every request (never modified)
	key       secret
	hc        *http.Client
	transport http.RoundTripper
	flowCfg   FlowControl
	flows     [2]*flow // ClassCalls, ClassUploads
	retry     retryPolicy
	batch     int
	maxBody   int64
	timeout   time.Duration
	log       *slog.Logger
	clock     clockwork.Clock
	readOnly  bool // WithReadOnly: only retrieve endpoints are called
}

// secret hides the API key from every kind of printing.
type secret string

func (secret) String() string               { return "[REDACTED]" }
func (secret) GoString() string             { return `"[REDACTED]"` }
func (secret) LogValue() slog.Value         { return slog.StringValue("[REDACTED]") }
func (s secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// New returns a client for the API at baseURL (e.g. https://api.chatinc.com)
// authenticating with apiKey.
func New(baseURL, apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("chatinc: API key is empty; set CHATINC_API_KEY (or leave it unset to use the sandbox)")
	}
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("chatinc: base URL %q must be an absolute http(s) URL like https://api.chatinc.com", baseURL)
	}
	c := &Client{
		base:    u,
		key:     secret(apiKey),
		retry:   defaultRetryPolicy(),
		batch:   DefaultBatchSize,
		maxBody: DefaultMaxResponseBytes,
		timeout: DefaultTimeout,
		log:     slog.New(slog.DiscardHandler),
		clock:   clockwork.NewRealClock(),
	}
	for _, o := range opts {
		o(c)
	}
	c.baseURL, c.authHdr = c.base.String(), []string{string(c.key)}
	if c.batch <= 0 || c.batch > DefaultBatchSize {
		return nil, fmt.Errorf("chatinc: batch size %d must be between 1 and %d (Chat Inc's limit per request)", c.batch, DefaultBatchSize)
	}
	c.flowCfg = c.flowCfg.withDefaults()
	c.flows = [2]*flow{newFlow(ClassCalls, c.flowCfg, c.clock), newFlow(ClassUploads, c.flowCfg, c.clock)}
	c.hc = &http.Client{Transport: NewTransport(), CheckRedirect: c.checkRedirect}
	if c.transport != nil {
		c.hc.Transport = c.transport
	}
	return c, nil
}

// Connections to Chat Inc of the client's own transport: at most
// MaxConnsPerHost open (more concurrent calls wait for one), all of them
// kept when idle (net/http's default keeps 2, so concurrent calls would
// open and close a connection each).
const (
	MaxConnsPerHost     = 64
	MaxIdleConnsPerHost = MaxConnsPerHost
)

// NewTransport is the transport a Client uses when given none: net/http's
// default transport with MaxConnsPerHost connections, kept when idle, each
// closed with a reset (SO_LINGER 0). Wrap it (e.g. with otelhttp) and pass it
// to WithTransport.
//
// The reset matters when a call times out while the network to Chat Inc is
// down: a plain close leaves the request in the kernel's send buffer, which
// goes on retransmitting it, so it could reach Chat Inc long after the
// client gave up and after a reconciliation found no run, and a run would be
// made twice (seen in the cluster suite's Chat Inc partition). A reset
// drops it.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost, t.MaxIdleConns, t.MaxIdleConnsPerHost = MaxConnsPerHost, MaxIdleConnsPerHost, MaxIdleConnsPerHost
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // Close resets: unsent data is dropped, never delivered late
		}
		return conn, err
	}
	return t
}

// checkRedirect refuses redirects to another host, so the API key in
// Authorization is never sent anywhere but the configured host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("chatinc: stopped after 5 redirects")
	}
	if req.URL.Host != c.base.Host || req.URL.Scheme != c.base.Scheme {
		return fmt.Errorf("chatinc: refusing redirect from %s to another host %s (the API key is only sent to %s)", c.base.Host, req.URL.Host, c.base.Host)
	}
	req.Header.Set("Authorization", string(c.key))
	return nil
}

// CloseIdleConnections closes the client's idle connections to Chat Inc
// (e.g. when the worker stops).
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// BaseURL is the API base URL the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("chatinc.Client{base: %s, key: [REDACTED]}", c.base)
}

// GoString is String, so %#v does not print the key either.
func (c *Client) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s) print String.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs the client without its API key.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base", c.base.String()), slog.String("key", "[REDACTED]"))
}

func (c *Client) endpointURL(path string) string {
	return c.baseURL + path
}

// redact removes the API key from a text that came from outside.
func (c *Client) redact(s string) string {
	if len(c.key) >= 4 {
		s = strings.ReplaceAll(s, string(c.key), "[REDACTED]")
	}
	return s
}
