package config

import (
	"fmt"
	"strings"

	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// fileValues is every known key the file sets, checked and in its field's
// type; a key written without a value keeps its default.
func fileValues(fk *koanf.Koanf) (map[string]any, Problems) {
	vals := map[string]any{}
	var out Problems
	for _, key := range sortedKeys(keyKinds) {
		if !fk.Exists(key) {
			continue
		}
		v := fk.Get(key)
		if v == nil {
			continue
		}
		kd := keyKinds[key]
		cv, issues := clean(key, v, kd)
		for _, is := range issues {
			out = append(out, is.where+": "+is.msg)
		}
		if cv != nil && kd != kindSection {
			vals[key] = cv
		}
	}
	return vals, out
}

// envValues is every key the environment sets: the contract's variables
// (envKeys) and CAMPAIGNFLOW_<SECTION>__<KEY>; origins names the variable
// that set each key.
func envValues(env []string, origins map[string]string) (map[string]any, Problems) {
	vals := map[string]any{}
	var out Problems
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		key := envKeys[name]
		if key == "" && strings.HasPrefix(name, "CAMPAIGNFLOW_") && name != "CAMPAIGNFLOW_CONFIG" {
			key = strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "CAMPAIGNFLOW_"), "__", "."))
			if _, known := keyKinds[key]; !known {
				out = append(out, fmt.Sprintf("environment %s: no config key %q; unset it, or see deploy/config.example.yaml "+
					"for the keys (nested keys use __, e.g. CAMPAIGNFLOW_CONSUMER__ACK_WAIT)", name, key))
				continue
			}
		}
		if key == "" {
			continue
		}
		where := func(where string) string { return fmt.Sprintf("environment %s (%s)", name, where) }
		cv, problem := textValue(key, val, where)
		if problem != nil {
			out = append(out, problem...)
			continue
		}
		vals[key], origins[key] = cv, where(key)
	}
	return vals, out
}

// flagValues is every key set by a flag the user passed (flagKeys);
// origins names the flag that set each key.
func flagValues(fs *pflag.FlagSet, origins map[string]string) (map[string]any, Problems) {
	vals := map[string]any{}
	var out Problems
	if fs == nil {
		return vals, nil
	}
	fs.Visit(func(f *pflag.Flag) {
		key, ok := flagKeys[f.Name]
		if !ok {
			return
		}
		where := func(where string) string { return fmt.Sprintf("flag --%s (%s)", f.Name, where) }
		cv, problem := textValue(key, f.Value.String(), where)
		if problem != nil {
			out = append(out, problem...)
			return
		}
		vals[key], origins[key] = cv, where(key)
	})
	return vals, out
}

// textValue checks text given for key by the environment or a flag; where
// names the variable or flag in problems.
func textValue(key, text string, where func(string) string) (any, Problems) {
	switch kd := keyKinds[key]; kd {
	case kindSection:
		return nil, Problems{fmt.Sprintf("%s: %s is a section, not a key; set one of its keys instead (e.g. CAMPAIGNFLOW_%s__<KEY>)",
			where(key), key, strings.ToUpper(key))}
	case kindSchedules:
		return nil, Problems{fmt.Sprintf("%s: schedules can only be set in the config file; unset it and list them there", where(key))}
	default:
		cv, issues := clean(key, text, kd)
		var out Problems
		for _, is := range issues {
			out = append(out, where(is.where)+": "+is.msg)
		}
		return cv, out
	}
}

// attributed names, in each problem about a key the environment or a flag
// set, the variable or flag it came from (the file is not where to look).
func attributed(p Problems, origins map[string]string) Problems {
	for i, x := range p {
		key, rest, ok := strings.Cut(x, ": ")
		if o := origins[key]; ok && o != "" {
			p[i] = o + ": " + rest
		}
	}
	return p
}
