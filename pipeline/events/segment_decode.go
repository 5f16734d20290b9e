package events

import "github.com/campaignflow/campaignflow/pipeline/internal/jsonscan"

// fastDecoder is an event that can read the common shape of its body in one
// pass. decodeFast sets the event to exactly what json.Unmarshal would give
// and reports true, or leaves it alone and reports false (anything
// unusual: escapes, a null, a wrong type, a duplicate or case-folded
// member, invalid JSON), and then Decode uses encoding/json.
type fastDecoder interface{ decodeFast(data []byte) bool }

// Members of the objects of a segment event, for telling an unknown member
// (skipped) from one that encoding/json would match case-insensitively.
var (
	segmentMembers  = []string{"event_id", "audience", "contacts", "variable_group"}
	audienceMembers = []string{"id", "name", "description"}
	contactMembers  = []string{"number", "attributes"}
	groupMembers    = []string{"id", "name", "description", "fields"}
)

// decodeFast reads a segment event in one pass. The strings of the contacts
// (numbers, attributes) share one copy of the body; the others are copies
// of their own, so an id kept after the event keeps no body alive.
func (e *SegmentUpdated) decodeFast(data []byte) bool {
	d := segmentDecoder{r: jsonscan.NewReader(data)}
	var ev SegmentUpdated
	var seen member
	ok := d.r.Object(func(key []byte) bool {
		switch string(key) {
		case "event_id":
			return seen.once(0) && d.ownString(&ev.EventID)
		case "audience":
			return seen.once(1) && d.audience(&ev.Audience)
		case "contacts":
			return seen.once(2) && d.contacts(&ev.Contacts)
		case "variable_group":
			if !seen.once(3) {
				return false
			}
			ev.VariableGroup = new(VariableGroupRef)
			return d.group(ev.VariableGroup)
		}
		return d.unknown(key, segmentMembers)
	}) && d.r.End()
	if ok {
		*e = ev
	}
	return ok
}

// member is a set of the members of one object read so far.
type member uint8

// once marks member i read, and reports false when it was already read
// (encoding/json merges a repeated member into the first; left to it).
func (m *member) once(i uint) bool {
	if *m&(1<<i) != 0 {
		return false
	}
	*m |= 1 << i
	return true
}

type segmentDecoder struct {
	r    jsonscan.Reader
	body string // the body, copied on the first contact string
}

// ownString reads a string into dst as a copy of its own.
func (d *segmentDecoder) ownString(dst *string) bool {
	s, ok := d.r.String()
	*dst = string(s)
	return ok
}

// sharedString reads a string into dst as a slice of the body's one copy.
func (d *segmentDecoder) sharedString(dst *string) bool {
	s, ok := d.r.String()
	if !ok {
		return false
	}
	*dst = d.shared(s)
	return true
}

// shared is s, a slice of the body, as a slice of the body's one copy (made
// on the first call): s starts where cap says, as it is a reslice.
func (d *segmentDecoder) shared(s []byte) string {
	data := d.r.Data()
	if d.body == "" {
		d.body = string(data)
	}
	from := cap(data) - cap(s)
	return d.body[from : from+len(s)]
}

// unknown skips the value of a member the event does not have; a key that
// encoding/json would match to one of known (case-insensitively, with
// Unicode folding for non-ASCII keys) is left to it.
func (d *segmentDecoder) unknown(key []byte, known []string) bool {
	return !jsonscan.MayMatch(key, known...) && d.r.Skip()
}

func (d *segmentDecoder) audience(a *Audience) bool {
	var seen member
	return d.r.Object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return seen.once(0) && d.ownString(&a.ID)
		case "name":
			return seen.once(1) && d.ownString(&a.Name)
		case "description":
			return seen.once(2) && d.ownString(&a.Description)
		}
		return d.unknown(key, audienceMembers)
	})
}

func (d *segmentDecoder) group(g *VariableGroupRef) bool {
	var seen member
	return d.r.Object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return seen.once(0) && d.ownString(&g.ID)
		case "name":
			return seen.once(1) && d.ownString(&g.Name)
		case "description":
			return seen.once(2) && d.ownString(&g.Description)
		case "fields":
			if !seen.once(3) || d.r.Peek() != '[' {
				return false
			}
			g.Fields = []string{}
			return d.r.Array(func() bool {
				g.Fields = append(g.Fields, "")
				return d.ownString(&g.Fields[len(g.Fields)-1])
			})
		}
		return d.unknown(key, groupMembers)
	})
}

// contacts reads the contacts into a slice of their exact count (a small
// one on the stack first).
func (d *segmentDecoder) contacts(dst *[]Contact) bool {
	var small [16]Contact
	cs := small[:0]
	ok := d.r.Array(func() bool {
		cs = append(cs, Contact{})
		return d.contact(&cs[len(cs)-1])
	})
	if !ok {
		return false
	}
	*dst = make([]Contact, len(cs))
	copy(*dst, cs)
	return true
}

func (d *segmentDecoder) contact(c *Contact) bool {
	var seen member
	return d.r.Object(func(key []byte) bool {
		switch string(key) {
		case "number":
			return seen.once(0) && d.sharedString(&c.Number)
		case "attributes":
			if !seen.once(1) || d.r.Peek() != '{' {
				return false
			}
			c.Attributes = map[string]string{}
			return d.r.Object(func(name []byte) bool {
				var v string
				if !d.sharedString(&v) {
					return false
				}
				c.Attributes[d.shared(name)] = v // the last of a repeated name wins, as in encoding/json
				return true
			})
		}
		return d.unknown(key, contactMembers)
	})
}
