package bench

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// MemorySampler records the peak Go heap in use and the peak resident set
// size of the process while a measurement runs.
type MemorySampler struct {
	every    time.Duration
	baseHeap uint64
	peakHeap uint64
	baseRSS  uint64
	peakRSS  uint64
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	samples  []metrics.Sample
}

// StartMemorySampler collects garbage, notes the baseline, and samples every
// interval (default 10ms) until Stop.
func StartMemorySampler(every time.Duration) *MemorySampler {
	if every <= 0 {
		every = 10 * time.Millisecond
	}
	m := &MemorySampler{every: every, stop: make(chan struct{}), done: make(chan struct{}),
		samples: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}}
	runtime.GC()
	m.baseHeap, m.baseRSS = m.heap(), rss()
	m.peakHeap, m.peakRSS = m.baseHeap, m.baseRSS
	go m.loop()
	return m
}

func (m *MemorySampler) loop() {
	defer close(m.done)
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.sample()
		}
	}
}

func (m *MemorySampler) sample() {
	m.peakHeap = max(m.peakHeap, m.heap())
	m.peakRSS = max(m.peakRSS, rss())
}

// heap is the Go heap in use (live and not yet swept objects, and spans
// holding them): what runtime.MemStats calls HeapInuse, without stopping
// the world.
func (m *MemorySampler) heap() uint64 {
	metrics.Read(m.samples)
	var total uint64
	for _, s := range m.samples {
		if s.Value.Kind() == metrics.KindUint64 {
			total += s.Value.Uint64()
		}
	}
	return total
}

// Stop ends sampling (after one last sample) and returns the figures.
func (m *MemorySampler) Stop() MemoryPeaks {
	m.once.Do(func() {
		close(m.stop)
		<-m.done
		m.sample()
	})
	return MemoryPeaks{PeakHeap: m.peakHeap, BaseHeap: m.baseHeap, PeakRSS: m.peakRSS, BaseRSS: m.baseRSS}
}

// MemoryPeaks are the sampled peaks and the baselines before the run.
type MemoryPeaks struct {
	PeakHeap, BaseHeap uint64 // Go heap in use, bytes
	PeakRSS, BaseRSS   uint64 // resident set size, bytes (0 where /proc is unavailable)
}

// Metrics returns the peaks in MB as result metrics.
func (p MemoryPeaks) Metrics() []Metric {
	ms := []Metric{{Name: "peak heap in use", Value: mb(p.PeakHeap), Unit: "MB"},
		{Name: "peak heap above baseline", Value: mb(p.PeakHeap - min(p.BaseHeap, p.PeakHeap)), Unit: "MB"}}
	if p.PeakRSS > 0 {
		ms = append(ms, Metric{Name: "peak RSS (process)", Value: mb(p.PeakRSS), Unit: "MB"})
	}
	return ms
}

func mb(b uint64) float64 { return float64(b) / 1e6 }

// rss reads the resident set size from /proc/self/statm (Linux); 0
// elsewhere.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
