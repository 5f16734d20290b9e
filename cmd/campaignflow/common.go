package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

const faultsExample = `/v1/run/campaign=drop@1x1,*=429@0.1:2`

// shutdownGrace bounds how long a command waits for its parts to stop.
const shutdownGrace = 30 * time.Second

func shutdownContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), shutdownGrace)
}

// loggerFrom builds the logger from the root's --log-level and --log-format.
func loggerFrom(cmd *cobra.Command) *slog.Logger {
	level := slog.LevelInfo
	if s, err := cmd.Flags().GetString("log-level"); err == nil {
		_ = level.UnmarshalText([]byte(s))
	}
	format, _ := cmd.Flags().GetString("log-format")
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: durationsAsText}
	if format == "text" || (format == "auto" && term.IsTerminal(int(os.Stderr.Fd()))) {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}
