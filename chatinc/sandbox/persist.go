package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// persisted is the sandbox's state file: what Reset forgets, plus the id
// sequence and the simulated clock, so that a restarted sandbox (the one
// `campaignflow run` embeds) still has the campaigns its ledger names and
// never hands out an id twice.
type persisted struct {
	Version int `json:"version"`
	// Epoch counts the starts on this file; ids mix it in, so even a start
	// after a crash that lost the last second of saves makes new ids.
	Epoch     uint64         `json:"epoch"`
	Seq       uint64         `json:"seq"`
	SimNow    time.Time      `json:"sim_now"`
	Audiences []persAudience `json:"audiences"`
	Groups    []persGroup    `json:"variable_groups"`
	Campaigns []persCampaign `json:"campaigns"`
}

type persAudience struct {
	ID, Name, Description string
	Numbers               []string
}

type persGroup struct {
	ID, Name, Description string
	Fields                []string
	Values                map[string]map[string]string
}

type persCampaign struct {
	ID, Title, Message, ImgURL string
	LanguageCode, TemplateType string
	Buttons                    []Button
	Variables                  []string
	CreatedAt, ApprovedAt      time.Time
	Runs                       []persRun
}

type persRun struct {
	ID                            string
	Audiences                     []string
	TimeToRun, CreatedAt, StartAt time.Time
	Numbers                       []string
	FateKey                       string `json:",omitempty"` // "" in files saved before it: the id is the key
}

const persistVersion = 1

// mutatingPaths change the state: a request to one marks it for saving.
var mutatingPaths = map[string]bool{
	PathCreateCampaign: true, PathRunCampaign: true, PathCreateAudience: true, PathCreateAudienceFromFile: true,
	PathCreateVariableGroup: true, PathCreateVariableGroupFile: true,
}

// loadStateLocked reads file into s (a missing file is a fresh start),
// moves to the next epoch and saves at once, so the epoch is never reused.
func (s *Server) loadStateLocked(file string) error {
	b, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return fmt.Errorf("sandbox: state directory: %w", err)
		}
	case err != nil:
		return fmt.Errorf("sandbox: read state %s: %w", file, err)
	default:
		var p persisted
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("sandbox: state file %s is not valid (%v); move it away to start the sandbox empty", file, err)
		}
		if p.Version != persistVersion {
			return fmt.Errorf("sandbox: state file %s has version %d, want %d; move it away to start the sandbox empty", file, p.Version, persistVersion)
		}
		s.restoreLocked(p)
	}
	s.epoch++
	return s.saveLocked(file)
}

func (s *Server) restoreLocked(p persisted) {
	s.state = newState()
	s.epoch, s.seq = p.Epoch, p.Seq
	if now := s.opts.Clock.Now(); p.SimNow.After(now) {
		s.simStart, s.realStart, s.advanced = p.SimNow, now, 0 // the simulated clock never goes back
	}
	for _, a := range p.Audiences {
		au := &audience{ID: a.ID, Name: a.Name, Description: a.Description, members: map[string]struct{}{}}
		for _, n := range a.Numbers {
			au.add(n)
		}
		s.audiences[a.ID], s.audOrder = au, append(s.audOrder, a.ID)
	}
	for _, g := range p.Groups {
		vg := &varGroup{ID: g.ID, Name: g.Name, Description: g.Description, Fields: g.Fields, values: g.Values}
		if vg.values == nil {
			vg.values = map[string]map[string]string{}
		}
		s.groups[g.ID], s.grpOrder = vg, append(s.grpOrder, g.ID)
	}
	for _, c := range p.Campaigns {
		cm := &campaign{ID: c.ID, Title: c.Title, Message: c.Message, ImgURL: c.ImgURL, LanguageCode: c.LanguageCode,
			TemplateType: c.TemplateType, Buttons: c.Buttons, Variables: c.Variables, CreatedAt: c.CreatedAt, ApprovedAt: c.ApprovedAt}
		for _, r := range c.Runs {
			fateKey := r.FateKey
			if fateKey == "" {
				fateKey = r.ID // saved before fate keys: outcomes were drawn by id
			}
			cm.runs = append(cm.runs, &run{ID: r.ID, Audiences: r.Audiences, TimeToRun: r.TimeToRun, CreatedAt: r.CreatedAt,
				StartAt: r.StartAt, numbers: r.Numbers, fateKey: fateKey})
		}
		s.campaigns[c.ID], s.cmpOrder = cm, append(s.cmpOrder, c.ID)
	}
}

func (s *Server) snapshotLocked() persisted {
	p := persisted{Version: persistVersion, Epoch: s.epoch, Seq: s.seq, SimNow: s.simNowLocked(),
		Audiences: []persAudience{}, Groups: []persGroup{}, Campaigns: []persCampaign{}}
	for _, id := range s.audOrder {
		a := s.audiences[id]
		p.Audiences = append(p.Audiences, persAudience{ID: a.ID, Name: a.Name, Description: a.Description, Numbers: a.order})
	}
	for _, id := range s.grpOrder {
		g := s.groups[id]
		p.Groups = append(p.Groups, persGroup{ID: g.ID, Name: g.Name, Description: g.Description, Fields: g.Fields, Values: g.values})
	}
	for _, id := range s.cmpOrder {
		c := s.campaigns[id]
		pc := persCampaign{ID: c.ID, Title: c.Title, Message: c.Message, ImgURL: c.ImgURL, LanguageCode: c.LanguageCode,
			TemplateType: c.TemplateType, Buttons: c.Buttons, Variables: c.Variables, CreatedAt: c.CreatedAt, ApprovedAt: c.ApprovedAt}
		for _, r := range c.runs {
			pc.Runs = append(pc.Runs, persRun{ID: r.ID, Audiences: r.Audiences, TimeToRun: r.TimeToRun, CreatedAt: r.CreatedAt,
				StartAt: r.StartAt, Numbers: r.numbers, FateKey: r.fateKey})
		}
		p.Campaigns = append(p.Campaigns, pc)
	}
	return p
}

// saveLocked writes the state to file: a temporary file, synced, then
// renamed over it, so a crash leaves the old or the new state, never half.
func (s *Server) saveLocked(file string) error {
	b, err := json.Marshal(s.snapshotLocked())
	if err != nil {
		return fmt.Errorf("sandbox: encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".sandbox-state-*")
	if err != nil {
		return fmt.Errorf("sandbox: save state: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("sandbox: save state to %s: %w", file, err)
	}
	s.dirty = false
	return nil
}

// markDirty notes a request that may have changed the state.
func (s *Server) markDirty() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
}

// SaveState writes the state to Options.StateFile when it changed since the
// last save (no-op without a StateFile).
func (s *Server) SaveState() error {
	if s.opts.StateFile == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	return s.saveLocked(s.opts.StateFile)
}
