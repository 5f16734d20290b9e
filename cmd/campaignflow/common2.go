package main

import (
	"errors"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/campaignflow/campaignflow/pipeline/config"
	"github.com/campaignflow/campaignflow/pipeline/telemetry"
)

// durationsAsText writes durations as "1.5s" instead of nanoseconds (the
// JSON handler's default), as the text handler does.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

func asProblems(err error, p *config.Problems) bool { return errors.As(err, p) }

// newLogger builds the process logger from the config.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: durationsAsText}
	text := cfg.Log.Format == "text"
	if cfg.Log.Format == "auto" {
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			text = true
		}
	}
	// NewLogHandler adds event_id, event_type and trace_id to lines about an event.
	if text {
		return slog.New(telemetry.NewLogHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(w, opts)))
}
