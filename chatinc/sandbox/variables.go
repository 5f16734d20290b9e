package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
)

// varGroup is a variable group: fields plus values keyed by number.
type varGroup struct {
	ID, Name, Description string
	Fields                []string
	values                map[string]map[string]string
}

func (g *varGroup) hasField(f string) bool { return slices.Contains(g.Fields, f) }

func (g *varGroup) addFields(fields []string) {
	for _, f := range fields {
		if !g.hasField(f) {
			g.Fields = append(g.Fields, f)
		}
	}
}

type createVariableGroupRequest struct {
	ID          string                       `json:"id"`
	Name        string                       `json:"name"`
	Description string                       `json:"description"`
	Fields      []string                     `json:"fields"`
	Values      []map[string]json.RawMessage `json:"values"`
}

func (s *Server) handleCreateVariableGroup(w http.ResponseWriter, r *http.Request) error {
	var req createVariableGroupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return errValidation("id is required")
	}
	if n := len(req.Values); n > s.opts.MaxContactsPerRequest {
		return errTooLarge("at most %d values per request; got %d", s.opts.MaxContactsPerRequest, n)
	}
	for i, f := range req.Fields {
		if !identRE.MatchString(f) {
			return errValidation("fields[%d]: %q must be letters, digits, _ or -", i, f)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[req.ID]
	if !ok {
		if req.Name == "" || len(req.Fields) == 0 {
			return errValidation("name and fields are required to create variable group %q (it does not exist yet)", req.ID)
		}
		g = &varGroup{ID: req.ID, values: map[string]map[string]string{}}
	}
	fields := slices.Clone(g.Fields)
	for _, f := range req.Fields {
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	// Validate every value before changing anything.
	type row struct {
		number string
		vals   map[string]string
	}
	rows := make([]row, 0, len(req.Values))
	for i, v := range req.Values {
		var rw row
		rw.vals = make(map[string]string, len(v))
		for k, raw := range v {
			var str string
			if err := json.Unmarshal(raw, &str); err != nil {
				str = string(raw) // numbers and booleans are kept as their JSON text
			}
			if k == "number" {
				n, err := normalizeNumber(str)
				if err != nil {
					return errValidation("values[%d]: %v", i, err)
				}
				rw.number = n
				continue
			}
			if !slices.Contains(fields, k) {
				return errValidation("values[%d]: %q is not a field of variable group %q (fields: %v)", i, k, req.ID, fields)
			}
			rw.vals[k] = str
		}
		if rw.number == "" {
			return errValidation("values[%d]: number is required", i)
		}
		rows = append(rows, rw)
	}
	if !ok {
		s.groups[req.ID] = g
		s.grpOrder = append(s.grpOrder, req.ID)
	}
	if req.Name != "" {
		g.Name = req.Name
	}
	if req.Description != "" {
		g.Description = req.Description
	}
	g.Fields = fields
	added := 0
	for _, rw := range rows {
		added += g.upsert(rw.number, rw.vals)
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "id": g.ID, "name": g.Name, "fields": g.Fields, "added": added, "total": len(g.values)})
	return nil
}

// upsert merges vals for number and returns 1 when the number is new.
func (g *varGroup) upsert(number string, vals map[string]string) int {
	cur, ok := g.values[number]
	if !ok {
		cur = make(map[string]string, len(vals))
		g.values[number] = cur
	}
	for k, v := range vals {
		cur[k] = v
	}
	if ok {
		return 0
	}
	return 1
}

type variableGroupInfo struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
	Size   int      `json:"size"`
}

func (s *Server) handleRetrieveVariableGroups(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	out := make([]variableGroupInfo, 0, len(s.grpOrder))
	for _, id := range s.grpOrder {
		g := s.groups[id]
		out = append(out, variableGroupInfo{g.ID, g.Name, slices.Clone(g.Fields), len(g.values)})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// VariableGroup returns a copy of a group's fields and values by number.
func (s *Server) VariableGroup(id string) (fields []string, values map[string]map[string]string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return nil, nil, false
	}
	values = make(map[string]map[string]string, len(g.values))
	for n, v := range g.values {
		cp := make(map[string]string, len(v))
		for k, x := range v {
			cp[k] = x
		}
		values[n] = cp
	}
	return slices.Clone(g.Fields), values, true
}
