package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// defaultHealthURL is the readiness endpoint of `campaignflow run`.
const defaultHealthURL = "http://127.0.0.1:9090/readyz"

func newHealthcheckCmd() *cobra.Command {
	var (
		url     string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the worker's readiness endpoint answers 200, else 1 (for Docker HEALTHCHECK)",
		Long: `healthcheck GETs --url (default ` + defaultHealthURL + `, the /readyz of a running
` + "`campaignflow run`" + `) and exits 0 on 200 OK, 1 otherwise (another status, no answer within
--timeout). The distroless image has no curl; use it as:

  HEALTHCHECK CMD ["/campaignflow", "healthcheck"]`,
		Example: `  campaignflow healthcheck
  campaignflow healthcheck --url http://127.0.0.1:9090/healthz --timeout 2s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			status, body, err := probeHealth(ctx, url, timeout)
			if err != nil {
				return exitError{code: 1, msg: fmt.Sprintf("campaignflow healthcheck: %s: %v", url, err)}
			}
			if status != http.StatusOK {
				return exitError{code: 1, msg: fmt.Sprintf("campaignflow healthcheck: %s answered %d: %s", url, status, body)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d %s\n", url, status, body)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", defaultHealthURL, "endpoint to GET")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "fail when there is no answer within this long")
	return cmd
}

// probeHealth GETs url and returns the status and the first line of the body.
func probeHealth(ctx context.Context, url string, timeout time.Duration) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", fmt.Errorf("not a URL: %w", err)
	}
	// No keep-alive (one request, nothing left behind) and no proxy (the
	// worker is local).
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return resp.StatusCode, line, nil
}
