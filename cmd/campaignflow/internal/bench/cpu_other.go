//go:build !unix

package bench

import "time"

// cpuTime is unavailable here: the CPU metric is left out.
func cpuTime() time.Duration { return 0 }

// processCPU is unavailable here.
func processCPU(int) (time.Duration, bool) { return 0, false }
