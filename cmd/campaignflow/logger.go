package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
)

// newLogger is the one way the process logger is built: the level and
// format of the config's log section, text on a terminal when the format is
// auto, durations as text, and event_id, event_type and trace_id added to
// lines about an event (telemetry.NewLogHandler).
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	return buildLogger(cfg.Log.Level, cfg.Log.Format, w)
}

// loggerFrom is newLogger for commands without a config file: the root's
// --log-level and --log-format, to standard error.
func loggerFrom(cmd *cobra.Command) *slog.Logger {
	level, _ := cmd.Flags().GetString("log-level")
	format, _ := cmd.Flags().GetString("log-format")
	return buildLogger(level, format, os.Stderr)
}

func buildLogger(levelName, format string, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(levelName))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: durationsAsText}
	text := format == "text"
	if format == "auto" {
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			text = true
		}
	}
	if text {
		return slog.New(telemetry.NewLogHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(w, opts)))
}

// durationsAsText writes durations as "1.5s" instead of nanoseconds (the
// JSON handler's default), as the text handler does.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}
