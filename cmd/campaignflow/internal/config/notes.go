package config

import "fmt"

// Notes lists settings that are valid but do not do what they seem to
// (validate prints them, run logs them); each says what to change.
func (c *Config) Notes() []string {
	var n []string
	if cc, mp := c.Consumer.Concurrency, c.Consumer.MaxAckPending; cc > mp {
		n = append(n, fmt.Sprintf("consumer.concurrency: %d is more than consumer.max_ack_pending (%d): the server hands out "+
			"at most %d unacknowledged events, so %d handlers never run; raise consumer.max_ack_pending to %d "+
			"(twice the handlers: half is fetched ahead) or lower consumer.concurrency", cc, mp, mp, cc-mp, min(2*cc, maxAckPending)))
	}
	return n
}
