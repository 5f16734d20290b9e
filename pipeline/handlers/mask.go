package handlers

// maskValue hides all but the last 3 characters of a phone-number-like
// value, for reports and logs: "*********567".
func maskValue(v string) string {
	r := []rune(v)
	if len(r) <= 3 {
		return v
	}
	out := make([]rune, len(r))
	for i := range r {
		if i < len(r)-3 {
			out[i] = '*'
		} else {
			out[i] = r[i]
		}
	}
	return string(out)
}
