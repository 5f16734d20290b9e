package sinks_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sinks"
)

// TestFileSinkWritesSendReports: send_report.v1 records on the results
// stream land in the send_reports table, row for row, in both formats.
func TestFileSinkWritesSendReports(t *testing.T) {
	for _, format := range []string{sinks.FormatParquet, sinks.FormatNDJSON} {
		t.Run(format, func(t *testing.T) {
			b := newBus(t)
			p := sinks.NewPublisher(b.js, b.top.Names)
			at := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
			want := []sinks.SendReport{
				{PromoID: "bf.2026:a", RunKey: "promo.bf=2E2026=3Aa.run.now", CampaignID: "c1", RunID: "r1", RunAt: at,
					Audiences: []string{"vip", "new"}, DerivedAudience: "cfsend.promo.bf=2E2026=3Aa.run.now",
					ContactsTotal: 5, ContactsSent: 3, Capped: 1, InvalidNumber: 1, CapMax: 2, CapPer: "7d", FinishedAt: at},
				{PromoID: "weekly", RunKey: "promo.weekly.run.1796115600", CampaignID: "c2", RunAt: at.Add(time.Hour), TimeZone: "Africa/Johannesburg",
					Audiences: []string{"all"}, DerivedAudience: "cfsend.promo.weekly.run.1796115600",
					ContactsTotal: 2, Capped: 2, CapMax: 1, CapPer: "1d", FinishedAt: at},
			}
			for _, r := range want {
				if err := p.PublishSendReport(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			sink := startSink(t, b, sinks.FileSinkConfig{Dir: dir, Format: format, WorkerID: "w-1"})
			waitFor(t, "the sink to write both reports", func() bool { return sink.Pending() == int64(len(want)) })
			sink.stop(t)
			w := scan(t, dir)
			if len(w.final) != 1 || filepath.Dir(filepath.Dir(w.final[0])) != sinks.TableSendReports {
				t.Fatalf("files %v, want one in %s/", w.final, sinks.TableSendReports)
			}
			got, err := appendFile[sinks.SendReport](nil, filepath.Join(dir, w.final[0]))
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				want[i].Schema = sinks.SchemaSendReport
			}
			for i := range got {
				got[i].RunAt, got[i].FinishedAt = got[i].RunAt.UTC(), got[i].FinishedAt.UTC()
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("rows\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}
