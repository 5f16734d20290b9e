package e164

import (
	"fmt"
	"testing"
)

// BenchmarkE164 measures Mapper.E164 alone on national ZA mobile
// numbers, the common CSV shape; reports numbers/s.
func BenchmarkE164(b *testing.B) {
	m := Mapper{DefaultRegion: "ZA"}
	in := make([]string, 1024)
	for i := range in {
		in[i] = fmt.Sprintf("082 %03d %04d", i%1000, i*7%10000)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := m.E164(in[n%len(in)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "numbers/s")
}
