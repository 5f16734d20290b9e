package sandbox

import (
	"net/http"
	"time"
)

func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sim/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
	})
	mux.HandleFunc("POST /_sim/advance", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Seconds float64 `json:"seconds"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			writeError(w, err)
			return
		}
		if req.Seconds <= 0 {
			writeError(w, errValidation("seconds must be positive"))
			return
		}
		s.Advance(time.Duration(req.Seconds * float64(time.Second)))
		writeJSON(w, http.StatusOK, map[string]any{"status": "success", "now": s.Now().Unix()})
	})
	mux.HandleFunc("GET /_sim/state", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.State())
	})
	mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var fs []Fault
		if err := decodeJSON(w, r, &fs); err != nil {
			writeError(w, err)
			return
		}
		s.SetFaults(fs)
		writeJSON(w, http.StatusOK, map[string]any{"status": "success", "faults": len(fs)})
	})
	mux.HandleFunc("POST /_sim/rate-limit", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			PerSecond *float64 `json:"per_second"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			writeError(w, err)
			return
		}
		if req.PerSecond == nil || *req.PerSecond < 0 {
			writeError(w, errValidation(`per_second is required and must be 0 (no limit) or more, e.g. {"per_second": 200}`))
			return
		}
		s.SetRateLimit(*req.PerSecond)
		writeJSON(w, http.StatusOK, map[string]any{"status": "success", "per_second": s.RateLimit()})
	})
	mux.HandleFunc("GET /_sim/rate-limit", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"per_second": s.RateLimit(), "throttled": s.Throttled(), "admitted": s.Admitted()})
	})
	mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.SetFaults(nil)
		writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
	})
}

// CampaignState is a campaign as the sandbox holds it, for tests and /_sim/state.
type CampaignState struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Message        string     `json:"message"`
	TemplateStatus string     `json:"templateStatus"`
	Runs           []RunState `json:"runs"`
}

// RunState is one run with its current counts.
type RunState struct {
	ID        string    `json:"id"`
	Audiences []string  `json:"audiences"`
	TimeToRun time.Time `json:"timeToRun"`
	StartAt   time.Time `json:"startAt"`
	Status    string    `json:"status"`
	Contacts  int       `json:"contacts"`
	Sent      int       `json:"sent"`
	Delivered int       `json:"delivered"`
	Read      int       `json:"read"`
}

// StateDump is the whole sandbox state, as GET /_sim/state returns it.
type StateDump struct {
	Now       time.Time       `json:"now"`
	Campaigns []CampaignState `json:"campaigns"`
	Audiences map[string]int  `json:"audiences"` // id -> size
	Groups    map[string]int  `json:"variableGroups"`
	Requests  map[string]int  `json:"requests"`
	Throttled int             `json:"throttled"` // calls refused by the rate limit
}

// Campaigns lists the campaigns in creation order.
func (s *Server) Campaigns() []CampaignState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.campaignsLocked(s.simNowLocked())
}

func (s *Server) campaignsLocked(now time.Time) []CampaignState {
	out := make([]CampaignState, 0, len(s.cmpOrder))
	for _, id := range s.cmpOrder {
		c := s.campaigns[id]
		cs := CampaignState{ID: c.ID, Title: c.Title, Message: c.Message, TemplateStatus: TemplatePending, Runs: []RunState{}}
		if !now.Before(c.ApprovedAt) {
			cs.TemplateStatus = TemplateApproved
		}
		for _, rn := range c.runs {
			cnt := s.countsLocked(rn, now)
			cs.Runs = append(cs.Runs, RunState{ID: rn.ID, Audiences: rn.Audiences, TimeToRun: rn.TimeToRun, StartAt: rn.StartAt,
				Status: s.runStatus(c, rn, now), Contacts: cnt.Contacts, Sent: cnt.Sent, Delivered: cnt.Delivered, Read: cnt.Read})
		}
		out = append(out, cs)
	}
	return out
}

// Runs lists a campaign's runs (nil when it does not exist).
func (s *Server) Runs(campaignID string) []RunState {
	for _, c := range s.Campaigns() {
		if c.ID == campaignID {
			return c.Runs
		}
	}
	return nil
}

// State dumps everything, as GET /_sim/state does.
func (s *Server) State() StateDump {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.simNowLocked()
	d := StateDump{Now: now, Campaigns: s.campaignsLocked(now), Audiences: map[string]int{}, Groups: map[string]int{}, Requests: map[string]int{}}
	for id, a := range s.audiences {
		d.Audiences[id] = len(a.order)
	}
	for id, g := range s.groups {
		d.Groups[id] = len(g.values)
	}
	for p, n := range s.requests {
		d.Requests[p] = n
	}
	d.Throttled = s.throttle.count()
	return d
}
