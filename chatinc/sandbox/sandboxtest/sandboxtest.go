// Package sandboxtest starts the Chat Inc sandbox on a loopback port for tests.
package sandboxtest

import (
	"net/http/httptest"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// Start serves a new sandbox on 127.0.0.1 and returns it with its base URL;
// it is closed when the test ends.
func Start(tb testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	tb.Helper()
	s := sandbox.New(opts)
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts.URL
}
