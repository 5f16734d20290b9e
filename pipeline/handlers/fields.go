package handlers

import (
	"maps"
	"slices"

	"github.com/campaignflow/campaignflow/pipeline/events"
)

// segmentGroup is the variable group of a segment event (a copy), or nil.
func segmentGroup(g *events.VariableGroupRef) *events.VariableGroupRef {
	if g == nil {
		return nil
	}
	out := *g
	return &out
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
