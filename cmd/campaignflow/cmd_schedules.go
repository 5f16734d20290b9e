package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/campaignflow/campaignflow/pipeline/scheduler"
)

const schedulesTimeout = time.Minute

func newSchedulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "List and cancel the persisted schedules",
		Long: `schedules shows the cron jobs the worker runs: those of send-promo events with
schedule.cron (stored in the campaignflow_jobs KV bucket) and those of schedules: in the
config file (pass --config to see them). For each: next run and the last tick's outcome.

cancel removes a stored promo schedule (as a schedule-cancelled event would); every
worker unregisters it within moments. Config schedules are removed from the config file.`,
		Example: `  campaignflow schedules list
  campaignflow schedules list --config /etc/campaignflow/config.yaml
  campaignflow schedules cancel bf-2026`,
	}
	addNATSFlags(cmd.PersistentFlags())
	cmd.AddCommand(newSchedulesListCmd(), newSchedulesCancelCmd())
	return cmd
}

// withScheduleBuckets connects and opens the jobs and leases buckets.
func withScheduleBuckets(cmd *cobra.Command, f func(ctx context.Context, bus *busConn, jobs, leases jetstream.KeyValue) error) error {
	return withBus(cmd, schedulesTimeout, func(ctx context.Context, bus *busConn) error {
		jobs, err := bus.keyValue(ctx, "schedules", bus.names.JobsBucket)
		if err != nil {
			return err
		}
		leases, err := bus.keyValue(ctx, "schedules", bus.names.LeasesBucket)
		if err != nil {
			return err
		}
		return f(ctx, bus, jobs, leases)
	})
}

// configJobs are the config file's schedules in the scheduler's form.
func configJobs(bus *busConn) []scheduler.ConfigJob {
	out := make([]scheduler.ConfigJob, len(bus.cfg.Schedules))
	for i, s := range bus.cfg.Schedules {
		out[i] = scheduler.ConfigJob(s)
	}
	return out
}

func newSchedulesListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List schedules: id, source, cron and time zone, next run, last outcome",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withScheduleBuckets(cmd, func(ctx context.Context, bus *busConn, jobs, leases jetstream.KeyValue) error {
				st, err := scheduler.List(ctx, jobs, leases, configJobs(bus), time.Now())
				if err != nil {
					return err
				}
				if asJSON {
					if st == nil {
						st = []scheduler.JobStatus{}
					}
					return writeJSON(cmd.OutOrStdout(), st)
				}
				writeSchedules(cmd.OutOrStdout(), st)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

// writeSchedules prints the schedules as a table.
func writeSchedules(w io.Writer, st []scheduler.JobStatus) {
	if len(st) == 0 {
		fmt.Fprintln(w, "no schedules (send-promo events with schedule.cron, or schedules: in the config file)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSOURCE\tCRON\tTIME ZONE\tNEXT RUN (UTC)\tNEXT RUN (ZONE)\tUNTIL\tLAST RUN\tLAST OUTCOME")
	for _, s := range st {
		source := "config"
		if s.Kind == scheduler.KindPromo {
			source = "event"
		}
		if s.Problem != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t-\t-\t-\t-\tunusable: %s\n", s.ID, source, orDash(s.Cron), orDash(s.TimeZone), oneLine(s.Problem, 80))
			continue
		}
		next, nextZone, until := "ended", "ended", "-"
		if !s.Next.IsZero() {
			next = s.Next.UTC().Format(time.RFC3339)
			nextZone = s.Next.Format(time.RFC3339)
		}
		if !s.Until.IsZero() {
			until = s.Until.Format(time.RFC3339)
		}
		last, outcome := "-", "never ran"
		if !s.LastRun.IsZero() {
			last = s.LastRun.Format(time.RFC3339)
		}
		if s.LastOutcome != "" {
			outcome = oneLine(s.LastOutcome, 80)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, source, s.Cron, s.TimeZone, next, nextZone, until, last, outcome)
	}
	_ = tw.Flush()
}

func newSchedulesCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Remove a stored promo schedule (ID is promo.<promoId> or the promo id)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withScheduleBuckets(cmd, func(ctx context.Context, bus *busConn, jobs, _ jetstream.KeyValue) error {
				if err := scheduler.Cancel(ctx, jobs, args[0], configJobs(bus)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "cancelled schedule %s; running workers unregister it within moments\n", args[0])
				return nil
			})
		},
	}
}
