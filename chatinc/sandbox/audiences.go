package sandbox

import (
	"net/http"
	"sort"
	"strconv"
)

// audience is a set of numbers keyed by normalised number, in insertion order.
type audience struct {
	ID, Name, Description string
	members               map[string]struct{}
	order                 []string
}

func (a *audience) add(number string) bool {
	if _, ok := a.members[number]; ok {
		return false
	}
	a.members[number] = struct{}{}
	a.order = append(a.order, number)
	return true
}

type contactJSON struct {
	Number string `json:"number"`
}

type createAudienceRequest struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Contacts    []contactJSON `json:"contacts"`
}

// handleCreateAudience creates an audience or, for an existing id, merges
// contacts into it (the page's "add contacts to audience").
func (s *Server) handleCreateAudience(w http.ResponseWriter, r *http.Request) error {
	var req createAudienceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return errValidation("id is required")
	}
	if n := len(req.Contacts); n > s.opts.MaxContactsPerRequest {
		return errTooLarge("at most %d contacts per request; got %d", s.opts.MaxContactsPerRequest, n)
	}
	numbers := make([]string, len(req.Contacts))
	for i, c := range req.Contacts {
		n, err := normalizeNumber(c.Number)
		if err != nil {
			return errValidation("contacts[%d]: %v", i, err)
		}
		numbers[i] = n
	}
	s.mu.Lock()
	a, added, err := s.mergeAudienceLocked(req.ID, req.Name, req.Description, numbers)
	var resp map[string]any
	if err == nil {
		resp = map[string]any{"status": "success", "id": a.ID, "name": a.Name, "added": added, "total": len(a.order)}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// mergeAudienceLocked creates or merges; a new audience needs a name.
func (s *Server) mergeAudienceLocked(id, name, desc string, numbers []string) (*audience, int, error) {
	a, ok := s.audiences[id]
	if !ok {
		if name == "" {
			return nil, 0, errValidation("name is required to create audience %q (it does not exist yet)", id)
		}
		a = &audience{ID: id, members: map[string]struct{}{}}
		s.audiences[id] = a
		s.audOrder = append(s.audOrder, id)
	}
	if name != "" {
		a.Name = name
	}
	if desc != "" {
		a.Description = desc
	}
	added := 0
	for _, n := range numbers {
		if a.add(n) {
			added++
		}
	}
	return a, added, nil
}

type audienceInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Size        int    `json:"size"`
}

func (s *Server) handleRetrieveAudiences(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	out := make([]audienceInfo, 0, len(s.audOrder))
	for _, id := range s.audOrder {
		a := s.audiences[id]
		out = append(out, audienceInfo{a.ID, a.Name, a.Description, len(a.order)})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

type audienceContactsRequest struct {
	ID     string `json:"id"`
	Cursor string `json:"cursor"`
	Limit  int    `json:"limit"`
}

const maxContactsPage = 10000

func (s *Server) handleAudienceContacts(w http.ResponseWriter, r *http.Request) error {
	var req audienceContactsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return errValidation("id is required")
	}
	start := 0
	if req.Cursor != "" {
		n, err := strconv.Atoi(req.Cursor)
		if err != nil || n < 0 {
			return errValidation("cursor %q is not one this server returned", req.Cursor)
		}
		start = n
	}
	if req.Limit < 0 || req.Limit > maxContactsPage {
		return errValidation("limit must be between 1 and %d", maxContactsPage)
	}
	s.mu.Lock()
	a, ok := s.audiences[req.ID]
	if !ok {
		s.mu.Unlock()
		return errNotFound("audience %q not found", req.ID)
	}
	end := len(a.order)
	if req.Limit > 0 && start+req.Limit < end {
		end = start + req.Limit
	}
	if start > len(a.order) {
		start = len(a.order)
	}
	contacts := make([]contactJSON, 0, end-start)
	for _, n := range a.order[start:end] {
		contacts = append(contacts, contactJSON{n})
	}
	next := ""
	if end < len(a.order) {
		next = strconv.Itoa(end)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "id": req.ID, "contacts": contacts, "nextCursor": next})
	return nil
}

// Audience returns the numbers of an audience, sorted, and whether it exists.
func (s *Server) Audience(id string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.audiences[id]
	if !ok {
		return nil, false
	}
	out := append([]string(nil), a.order...)
	sort.Strings(out)
	return out, true
}
