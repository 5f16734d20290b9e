package events

import "strconv"

// fieldPath is the path of element i of a list, e.g. "buttons[1]". Build it
// only for a problem: validation of a valid event allocates no paths.
func fieldPath(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }
