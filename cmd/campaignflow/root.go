package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "campaignflow",
		Short: "Turn JetStream events into Chat Inc WhatsApp campaigns, and their results back into events",
		Long: `campaignflow consumes business events (customer-segment-updated, audience-file-uploaded,
send-promo, schedule-cancelled) from NATS JetStream, turns them into Chat Inc audiences,
variable groups and campaign runs (now, at a time, or on a cron schedule), and publishes
result snapshots back onto JetStream and into Parquet/NDJSON warehouse files.

With no configuration every command runs against an embedded NATS server and the
built-in Chat Inc sandbox, which reaches nobody. Start with:

  campaignflow demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	// A flag error (unknown flag, bad value, missing argument) points to
	// the command's help, which lists its flags.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w; see '%s --help'", err, c.CommandPath())
	})
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().String("log-format", "auto", "log format: json, text, or auto (text on a terminal, else json)")
	// Every command, each defined in its own file cmd_<name>.go.
	root.AddCommand(
		newRunCmd(), newDemoCmd(), newSimCmd(),
		newPublishCmd(), newImportCmd(), newValidateCmd(), newPromoCmd(),
		newDLQCmd(), newSchedulesCmd(), newLedgerCmd(),
		newHealthcheckCmd(), newBenchCmd(),
	)
	return root
}
