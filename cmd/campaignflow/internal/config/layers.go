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
// (envKeys) and CAMPAIGNFLOW_<SECTION>__<KEY>.
func envValues(env []string) (map[string]any, Problems) {
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
		cv, problem := textValue(key, val, func(where string) string { return fmt.Sprintf("environment %s (%s)", name, where) })
		if problem != nil {
			out = append(out, problem...)
			continue
		}
		vals[key] = cv
	}
	return vals, out
}

// flagValues is every key set by a flag the user passed (flagKeys).
func flagValues(fs *pflag.FlagSet) (map[string]any, Problems) {
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
		cv, problem := textValue(key, f.Value.String(), func(where string) string { return fmt.Sprintf("flag --%s (%s)", f.Name, where) })
		if problem != nil {
			out = append(out, problem...)
			return
		}
		vals[key] = cv
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
