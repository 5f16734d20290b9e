package e164

import (
	"fmt"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// BenchmarkE164 measures Mapper.E164 alone on ZA mobile numbers: national
// (the common CSV shape) and international (what `campaignflow bench e2e`
// publishes), beside libphonenumber's own parse, check and format of the
// same numbers; reports numbers/s.
func BenchmarkE164(b *testing.B) {
	for _, bc := range []struct {
		name   string
		format string
	}{{"national", "082 %03d %04d"}, {"international", "+2782%03d%04d"}} {
		in := make([]string, 1024)
		for i := range in {
			in[i] = fmt.Sprintf(bc.format, i%1000, i*7%10000)
		}
		b.Run(bc.name, func(b *testing.B) {
			m := Mapper{DefaultRegion: "ZA"}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := m.E164(in[n%len(in)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "numbers/s")
		})
		b.Run(bc.name+"/plain phonenumbers", func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				p, err := phonenumbers.Parse(in[n%len(in)], "ZA")
				if err != nil || !phonenumbers.IsValidNumber(p) {
					b.Fatal(in[n%len(in)], err)
				}
				_ = phonenumbers.Format(p, phonenumbers.E164)
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "numbers/s")
		})
	}
}
