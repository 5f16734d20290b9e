package main

import (
	"context"
	"errors"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

const faultsExample = `/v1/run/campaign=drop@1x1,*=429@0.1:2`

// shutdownGrace bounds how long a command waits for its parts to stop.
const shutdownGrace = 30 * time.Second

func shutdownContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), shutdownGrace)
}

func asProblems(err error, p *config.Problems) bool { return errors.As(err, p) }
