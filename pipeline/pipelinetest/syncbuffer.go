// Package pipelinetest holds small helpers shared by campaignflow's tests:
// one Eventually (wait on a condition, never sleep), InstantClock (a clock
// whose waits return at once), SyncBuffer and Binary (build a command once).
package pipelinetest

import (
	"bytes"
	"sync"
)

// SyncBuffer is a bytes.Buffer that loggers on several goroutines may
// write to while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Len is how many bytes were written so far.
func (s *SyncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}
