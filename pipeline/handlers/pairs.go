package handlers

import (
	"iter"
	"maps"
	"slices"
)

// sortedPairs iterates a map in key order (stable field order).
func sortedPairs(m map[string]string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
