package jobs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time is a time in a stored record: written as RFC 3339 ("" when zero),
// read from RFC 3339, unix seconds, or empty/null (older writers).
type Time struct{ time.Time }

func (f *Time) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` || s == "0" {
		f.Time = time.Time{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return fmt.Errorf("time %q: want RFC 3339", str)
		}
		f.Time = t
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("time %s: want RFC 3339 or unix seconds", s)
	}
	f.Time = time.Unix(0, int64(n*1e9)).UTC()
	return nil
}

func (f Time) MarshalJSON() ([]byte, error) {
	if f.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(f.Format(time.RFC3339Nano))
}
