// Command campaignflow turns NATS JetStream business events into Chat Inc
// WhatsApp broadcast campaigns and publishes the campaigns' results back onto
// the bus and into warehouse files. Run `campaignflow --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := notifySignals(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "campaignflow:", err)
		os.Exit(1)
	}
}

// exitError carries an exit code out of a command (validate exits 1 after
// listing every problem; it has already printed them).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }
