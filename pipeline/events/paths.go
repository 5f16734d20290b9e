package events

import "fmt"

func fieldPath(base string, i int) string { return fmt.Sprintf("%s[%d]", base, i) }
