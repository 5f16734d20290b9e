package sandbox

import "time"

// simNowLocked is the simulated time: the start, plus real time elapsed times
// TimeScale, plus every Advance. Callers hold s.mu.
func (s *Server) simNowLocked() time.Time {
	real := s.opts.Clock.Now().Sub(s.realStart)
	return s.simStart.Add(time.Duration(float64(real)*s.opts.TimeScale) + s.advanced)
}

// Now is the sandbox's simulated time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.simNowLocked()
}

// Advance moves the simulated clock forward by d.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.advanced += d
		s.dirty = true
	}
}
