package main

import (
	"errors"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/campaignflow/campaignflow/pipeline/config"
)

func asProblems(err error, p *config.Problems) bool { return errors.As(err, p) }

// newLogger builds the process logger from the config.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	text := cfg.Log.Format == "text"
	if cfg.Log.Format == "auto" {
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			text = true
		}
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
