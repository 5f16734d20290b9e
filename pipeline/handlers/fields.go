package handlers

import (
	"maps"
	"slices"

	"github.com/campaignflow/campaignflow/pipeline/events"
)

// FieldDefaults is the configured mapping used when an event does not say:
// which variable group contact attributes / CSV columns fill, and which of
// them are fields.
type FieldDefaults struct {
	VariableGroup string            // group id (and name) when the event names none; "" = no group
	Fields        []string          // segment attributes that become fields
	NumberColumn  string            // CSV number column (default "number")
	Columns       map[string]string // CSV: field -> column
}

// segmentGroup resolves the variable group and fields of a segment event.
func (d FieldDefaults) segmentGroup(g *events.VariableGroupRef) *events.VariableGroupRef {
	if g != nil {
		out := *g
		if len(out.Fields) == 0 {
			out.Fields = slices.Clone(d.Fields)
		}
		return &out
	}
	if d.VariableGroup == "" || len(d.Fields) == 0 {
		return nil
	}
	return &events.VariableGroupRef{ID: d.VariableGroup, Name: d.VariableGroup, Fields: slices.Clone(d.Fields)}
}

// groupValues picks the attributes named in fields.
func groupValues(fields []string, attrs map[string]string) map[string]string {
	vals := make(map[string]string, len(fields))
	for _, f := range fields {
		if v, ok := attrs[f]; ok {
			vals[f] = v
		}
	}
	return vals
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// attributeNames is the sorted set of attribute names usable as fields,
// for a segment event whose variable group names no fields.
func attributeNames(cs []events.Contact) []string {
	seen := map[string]bool{}
	for _, c := range cs {
		for k := range c.Attributes {
			if k != "number" && fieldName(k) == k {
				seen[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
