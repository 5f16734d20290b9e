package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// issue is one unusable raw value: where it is (the key, or key[i]) and
// what is wrong with it, saying how to write it instead.
type issue struct{ where, msg string }

// clean checks v, the value written for key, against the kind of its field
// and returns it in that field's Go type (so decoding cannot fail on it).
// With issues the value is unusable: the caller reports them and the key
// keeps its default.
func clean(key string, v any, k kind) (any, []issue) {
	bad := func(format string, args ...any) (any, []issue) {
		return nil, []issue{{key, fmt.Sprintf(format, args...)}}
	}
	switch k {
	case kindSection:
		if _, ok := v.(map[string]any); !ok {
			return bad("%s is not a mapping of keys; write its keys under it (e.g. %s: {key: value})", describe(v), key)
		}
		return v, nil
	case kindString:
		s, msg := scalarText(v)
		if msg != "" {
			return bad("%s", msg)
		}
		return s, nil
	case kindInt:
		n, msg := cleanInt(v)
		if msg != "" {
			return bad("%s", msg)
		}
		return n, nil
	case kindFloat:
		f, msg := cleanFloat(v)
		if msg != "" {
			return bad("%s", msg)
		}
		return f, nil
	case kindBool:
		b, msg := cleanBool(v)
		if msg != "" {
			return bad("%s", msg)
		}
		return b, nil
	case kindDuration:
		d, msg := cleanDuration(v)
		if msg != "" {
			return bad("%s", msg)
		}
		return d, nil
	case kindStrings:
		items, ok := listItems(v)
		if !ok {
			return bad("%s is not a list; write [a, b] or a comma-separated text", describe(v))
		}
		out := make([]string, 0, len(items))
		var issues []issue
		for i, item := range items {
			s, msg := scalarText(item)
			if msg != "" {
				issues = append(issues, issue{fmt.Sprintf("%s[%d]", key, i), msg})
			}
			out = append(out, s)
		}
		if issues != nil {
			return nil, issues
		}
		return out, nil
	case kindDurations:
		items, ok := listItems(v)
		if !ok {
			return bad("%s is not a list of durations; write e.g. [1m, 10m, 1h]", describe(v))
		}
		out := make([]time.Duration, 0, len(items))
		var issues []issue
		for i, item := range items {
			d, msg := cleanDuration(item)
			if msg != "" {
				issues = append(issues, issue{fmt.Sprintf("%s[%d]", key, i), msg})
			}
			out = append(out, d)
		}
		if issues != nil {
			return nil, issues
		}
		return out, nil
	case kindSchedules:
		return cleanSchedules(key, v)
	}
	return bad("%s: unexpected value", describe(v))
}

// cleanSchedules checks each schedule's values; a schedule keeps its good
// fields (so Validate still reports what else is wrong with it).
func cleanSchedules(key string, v any) (any, []issue) {
	list, ok := v.([]any)
	if !ok {
		return nil, []issue{{key, fmt.Sprintf("%s is not a list; write each schedule as an item (- name: ...)", describe(v))}}
	}
	out := make([]any, 0, len(list))
	var issues []issue
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue // unknownKeys reports it
		}
		kept := map[string]any{}
		for _, field := range sortedKeys(m) {
			fk, known := scheduleKinds[field]
			if !known || m[field] == nil {
				continue // unknown: unknownKeys reports it; empty: not set
			}
			val, is := clean(fmt.Sprintf("%s[%d].%s", key, i, field), m[field], fk)
			issues = append(issues, is...)
			if is == nil {
				kept[field] = val
			}
		}
		out = append(out, kept)
	}
	return out, issues
}

// listItems is v as a list: a YAML list, or a text split at commas (as
// the environment and flags write lists; blanks around items are dropped).
func listItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case string:
		out := []any{}
		for _, part := range strings.Split(x, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out, true
	}
	return nil, false
}

// describe writes a raw value for a message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "an empty value"
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}

func scalarText(v any) (string, string) {
	switch x := v.(type) {
	case string:
		return x, ""
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(x), ""
	}
	switch v.(type) {
	case map[string]any, []any:
		return "", fmt.Sprintf("%s is not a single value; write one value (in quotes if it holds special characters)", describe(v))
	}
	return "", fmt.Sprintf("%s is not text (YAML read it as a %T); put it in quotes", describe(v), v)
}

func cleanInt(v any) (int64, string) {
	switch x := v.(type) {
	case int:
		return int64(x), ""
	case int64:
		return x, ""
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), ""
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int64(x), ""
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 0, 64); err == nil {
			return n, ""
		}
	}
	return 0, fmt.Sprintf("%s is not an integer (write a whole number, e.g. 10)", describe(v))
}

func cleanFloat(v any) (float64, string) {
	f, ok := 0.0, false
	switch x := v.(type) {
	case int:
		f, ok = float64(x), true
	case int64:
		f, ok = float64(x), true
	case uint64:
		f, ok = float64(x), true
	case float64:
		f, ok = x, true
	case string:
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
		ok = err == nil
	}
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Sprintf("%s is not a number (write e.g. 20 or 0.5)", describe(v))
	}
	return f, ""
}

func cleanBool(v any) (bool, string) {
	switch x := v.(type) {
	case bool:
		return x, ""
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
			return b, ""
		}
	}
	return false, fmt.Sprintf("%s is not true or false", describe(v))
}

// bareNumber is a number written without a unit.
var bareNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

func cleanDuration(v any) (time.Duration, string) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if d, err := parseDuration(s); err == nil {
			return d, ""
		}
		if bareNumber.MatchString(s) {
			return 0, fmt.Sprintf("%s has no unit; write %ss (or ms, m, h)", s, s)
		}
		if durationSyntax.MatchString(s) {
			return 0, fmt.Sprintf("%s is out of range: the longest duration is about 290 years (2562047h)", describe(v))
		}
	case int, int64, uint64, float64:
		if fmt.Sprint(x) == "0" {
			return 0, ""
		}
		return 0, fmt.Sprintf("%v has no unit; write %vs (or ms, m, h)", x, x)
	}
	return 0, fmt.Sprintf("%s is not a duration (use e.g. 30s, 5m, 1h, 3d)", describe(v))
}

// durationSyntax is what a duration looks like (ParseDuration still
// refuses one too long to count in nanoseconds).
var durationSyntax = regexp.MustCompile(`^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)|[0-9]+d)+$`)

// dayUnit is a whole number of days at the start or after another unit.
var dayUnit = regexp.MustCompile(`(^|[a-zµμ])([0-9]{1,6})d`)

// parseDuration is time.ParseDuration that also takes whole days (3d,
// 1d12h), as koanf does.
func parseDuration(s string) (time.Duration, error) {
	expanded := dayUnit.ReplaceAllStringFunc(s, func(m string) string {
		sub := dayUnit.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		return sub[1] + strconv.Itoa(n*24) + "h"
	})
	return time.ParseDuration(expanded)
}
