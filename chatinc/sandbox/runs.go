package sandbox

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"
)

// run is one send of a campaign to a snapshot of its audiences' numbers.
type run struct {
	ID        string
	Audiences []string
	TimeToRun time.Time // zero: immediately
	CreatedAt time.Time
	StartAt   time.Time
	numbers   []string
	// fateKey picks the contacts' delivery outcomes with the seed: the
	// run's ordinal in the sandbox, not its id, so one seed and one
	// sequence of calls give the same outcomes however ids are drawn.
	fateKey string
}

// timeToRunTolerance lets a timeToRun a little behind the sandbox's clock
// through (clients round to whole seconds and clocks drift).
const timeToRunTolerance = time.Minute

func (s *Server) newRunLocked(c *campaign, audiences []string, ttr *int64, now time.Time, atCreate bool) (*run, error) {
	numbers, err := s.audienceNumbersLocked(audiences)
	if err != nil {
		return nil, err
	}
	rn := &run{ID: s.newIDLocked("r_"), Audiences: audiences, CreatedAt: now, StartAt: now, numbers: numbers}
	rn.fateKey = "#" + strconv.FormatUint(s.seq, 10)
	if ttr != nil && *ttr != 0 {
		t := time.Unix(*ttr, 0)
		// Past is judged on the earlier of the simulated clock and the
		// clients' clock (real time plus every Advance): with a TimeScale
		// above 1, or a state file's clock that ran fast, the simulated
		// clock is ahead of a client's, and a run the client schedules for
		// its near future would otherwise be refused (it starts at once in
		// simulated time instead).
		floor := now
		if clients := s.opts.Clock.Now().Add(s.advanced); clients.Before(floor) {
			floor = clients
		}
		if t.Before(floor.Add(-timeToRunTolerance)) {
			field := "timeToRun"
			if atCreate {
				field = "options.timeToRun"
			}
			return nil, errValidation("%s %d (%s) is in the past (now %s)", field, *ttr, t.UTC().Format(time.RFC3339), floor.UTC().Format(time.RFC3339))
		}
		rn.TimeToRun, rn.StartAt = t, t
	}
	if rn.StartAt.Before(c.ApprovedAt) {
		rn.StartAt = c.ApprovedAt // a run created with the template waits for approval
	}
	return rn, nil
}

// audienceNumbersLocked snapshots the union of the audiences' numbers.
func (s *Server) audienceNumbersLocked(ids []string) ([]string, error) {
	seen := map[string]struct{}{}
	var out []string
	addAll := func(a *audience) {
		for _, n := range a.order {
			if _, ok := seen[n]; !ok {
				seen[n] = struct{}{}
				out = append(out, n)
			}
		}
	}
	for i, id := range ids {
		if id == "all" {
			for _, aid := range s.audOrder {
				addAll(s.audiences[aid])
			}
			continue
		}
		a, ok := s.audiences[id]
		if !ok {
			return nil, errValidation("audiences[%d]: audience %q does not exist (create it with POST %s, or use \"all\")", i, id, PathCreateAudience)
		}
		addAll(a)
	}
	return out, nil
}

func (s *Server) runStatus(c *campaign, rn *run, now time.Time) string {
	switch {
	case now.Before(rn.StartAt) && now.Before(c.ApprovedAt):
		return "waiting_approval"
	case now.Before(rn.StartAt):
		return "scheduled"
	case now.Before(rn.StartAt.Add(runDuration)):
		return "running"
	default:
		return "done"
	}
}

func (s *Server) runJSONLocked(c *campaign, rn *run, now time.Time) map[string]any {
	counts := s.countsLocked(rn, now)
	var ttr int64
	if !rn.TimeToRun.IsZero() {
		ttr = rn.TimeToRun.Unix()
	}
	return map[string]any{
		"runId": rn.ID, "audiences": rn.Audiences, "timeToRun": ttr, "createdAt": rn.CreatedAt.Unix(),
		"startedAt": rn.StartAt.Unix(), "status": s.runStatus(c, rn, now),
		"contacts": counts.Contacts, "sent": counts.Sent, "delivered": counts.Delivered, "read": counts.Read,
		"sendErrors": counts.SendErrors, "deliveryErrors": counts.DeliveryErrors, "notOnWhatsApp": counts.NotOnWhatsApp,
		"counts": counts,
	}
}

type detailsRequest struct {
	CampaignID string `json:"campaignId"`
	Format     string `json:"format"`
	RunID      string `json:"runId"`
}

type detailRow struct {
	Number    string `json:"number"`
	Action    string `json:"action"`
	RunID     string `json:"runId"`
	Error     string `json:"error"`
	UpdatedAt int64  `json:"updatedAt"`
}

func (s *Server) handleCampaignDetails(w http.ResponseWriter, r *http.Request) error {
	var req detailsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.CampaignID == "" {
		return errValidation("campaignId is required")
	}
	if req.Format != "" && req.Format != "json" && req.Format != "csv" {
		return errValidation("format %q must be csv or json", req.Format)
	}
	s.mu.Lock()
	c, ok := s.campaigns[req.CampaignID]
	if !ok {
		s.mu.Unlock()
		return errNotFound("campaign %q not found", req.CampaignID)
	}
	now := s.simNowLocked()
	rows := []detailRow{}
	for _, rn := range c.runs {
		if req.RunID != "" && rn.ID != req.RunID {
			continue
		}
		for _, n := range rn.numbers {
			a, e, at := s.fateOf(rn.fateKey, n).actionAt(rn.StartAt, now)
			rows = append(rows, detailRow{n, a, rn.ID, e, at.Unix()})
		}
	}
	s.mu.Unlock()
	if req.Format != "csv" {
		writeJSON(w, http.StatusOK, rows)
		return nil
	}
	w.Header().Set("Content-Type", "text/csv")
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"number", "action", "runId", "error", "updatedAt"})
	for _, row := range rows {
		_ = cw.Write([]string{row.Number, row.Action, row.RunID, row.Error, strconv.FormatInt(row.UpdatedAt, 10)})
	}
	cw.Flush()
	return nil
}
