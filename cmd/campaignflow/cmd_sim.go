package main

import (
	"fmt"
	"math"
	"time"

	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

func newSimCmd() *cobra.Command {
	var (
		addr         string
		apiKey       string
		approveAfter time.Duration
		timeScale    float64
		seed         int64
		faults       string
		rateLimit    float64
		stateFile    string
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the Chat Inc sandbox (a strict, stateful simulator that reaches nobody)",
		Long: `sim serves the Chat Inc sandbox over HTTP: the same endpoints as the Chat Inc API page,
with state (audiences, variable groups, campaigns, runs, per-contact delivery over simulated
time) and the page's rules enforced. Point a client at the printed base URL.

Without --api-key any non-empty Authorization header is accepted; without the header: 401.
Admin endpoints under /_sim/ (outside the Chat Inc API): POST /_sim/reset, POST /_sim/advance
{"seconds":N}, GET /_sim/state, POST|DELETE /_sim/faults, POST /_sim/rate-limit {"per_second":N}
(0 lifts the limit) and GET /_sim/rate-limit.

--rate-limit N throttles like a real API: a token bucket of N calls per second over all
endpoints (burst: one second's worth); a call above it gets 429 with a Retry-After.
--approve-after 0s approves every new campaign's template at once. With --time-scale above 1
the simulated clock runs ahead of the clients': a timeToRun is refused only when it is past on
the client's clock too, and a run whose time the simulated clock has passed starts at once.

State lives in memory and is gone when sim stops; --state FILE keeps it across restarts
(saved within a second of a change and on exit). Ids are never handed out twice either way,
so a worker's ledger never names an audience or campaign of an earlier sim.`,
		Example: `  campaignflow sim --addr 127.0.0.1:8089
  campaignflow sim --addr 127.0.0.1:8089 --api-key secret --approve-after 5s --time-scale 60
  campaignflow sim --addr 127.0.0.1:8089 --rate-limit 200 --approve-after 0s
  curl -s -X POST -d '{"per_second":400}' http://127.0.0.1:8089/_sim/rate-limit
  campaignflow sim --state /var/lib/campaignflow/sim.json
  campaignflow sim --faults '` + faultsExample + `'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := sandbox.Options{
				APIKey:       apiKey,
				ApproveAfter: approveAfter,
				RateLimit:    rateLimit,
				TimeScale:    timeScale,
				Seed:         seed,
				StateFile:    stateFile,
				Logger:       loggerFrom(cmd),
			}
			if approveAfter == 0 {
				opts.ApproveAfter = sandbox.ApproveAtOnce
			}
			if !(timeScale > 0) || math.IsInf(timeScale, 0) {
				return fmt.Errorf("--time-scale: %g must be a number above 0 (simulated seconds per real second; 1 is real time, 60 a minute each second)", timeScale)
			}
			if approveAfter < 0 {
				return fmt.Errorf("--approve-after: %s must be 0s (approve at once) or more (default 2s)", approveAfter)
			}
			if rateLimit < 0 {
				return fmt.Errorf("--rate-limit: %g must be 0 (no limit) or more calls per second", rateLimit)
			}
			if faults != "" {
				f, err := sandbox.ParseFaults(faults)
				if err != nil {
					return fmt.Errorf("--faults: %w", err)
				}
				opts.Faults = f
			}
			srv, err := sandbox.Start(addr, opts)
			if err != nil {
				return fmt.Errorf("%w; pick another address with --addr", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Chat Inc sandbox serving at %s (simulated: no message reaches anyone)\n", srv.URL)
			<-cmd.Context().Done()
			ctx, cancel := shutdownContext()
			defer cancel()
			return srv.Close(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8089", "address to listen on (HOST:PORT; port 0 picks a free one)")
	f.StringVar(&apiKey, "api-key", "", "API key to require in Authorization (default: any non-empty key)")
	f.DurationVar(&approveAfter, "approve-after", 2*time.Second, "simulated time until a new campaign's WhatsApp template is APPROVED (0s: at once)")
	f.Float64Var(&timeScale, "time-scale", 1, "simulated seconds per real second (60 makes a minute pass each second)")
	f.Int64Var(&seed, "seed", 1, "seed for the deterministic delivery outcomes (errors, not on WhatsApp, reads)")
	f.Float64Var(&rateLimit, "rate-limit", 0, "API calls per second over all endpoints before 429 with Retry-After (0: no limit)")
	f.StringVar(&stateFile, "state", "", "JSON file that keeps the sandbox's state across restarts (default: in memory only)")
	f.StringVar(&faults, "faults", "", "faults to inject: comma-separated ENDPOINT=KIND[@RATE][xCOUNT][:ARG], KIND one of 429, 500, 502, 503, latency, drop (see the example)")
	return cmd
}
