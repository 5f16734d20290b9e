package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/knadh/koanf/maps"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
	yamlv3 "gopkg.in/yaml.v3"
)

// LoadOptions say where configuration comes from.
type LoadOptions struct {
	File  string         // YAML file; "" means $CAMPAIGNFLOW_CONFIG, if set
	Flags *pflag.FlagSet // command-line flags (only those set by the user count)
	Env   []string       // environment as os.Environ() returns it
}

// flagKeys maps the CLI's flags to config keys.
var flagKeys = map[string]string{
	"nats-url": "nats.url", "nats-creds": "nats.creds", "data-dir": "nats.data_dir", "nats-listen": "nats.listen",
	"chatinc-url": "chatinc.url", "http-addr": "http_addr", "sink-dir": "sinks.dir", "sink-format": "sinks.format",
	"log-level": "log.level", "log-format": "log.format", "worker-id": "worker_id",
	"sandbox-addr": "sandbox.addr", "time-scale": "sandbox.time_scale", "approve-after": "sandbox.approve_after",
}

// envKeys maps the contract's environment variables to config keys; any
// other key is CAMPAIGNFLOW_<SECTION>__<KEY>.
var envKeys = map[string]string{
	"CAMPAIGNFLOW_NATS_URL": "nats.url", "CAMPAIGNFLOW_NATS_CREDS": "nats.creds",
	"CHATINC_API_KEY": "chatinc.api_key", "CHATINC_URL": "chatinc.url",
}

// mapProvider feeds a nested map to koanf.
type mapProvider map[string]any

func (m mapProvider) ReadBytes() ([]byte, error)    { return nil, errors.New("config: not supported") }
func (m mapProvider) Read() (map[string]any, error) { return m, nil }

// Problems is every problem found in a configuration.
type Problems []string

func (p Problems) Error() string {
	return "config: " + strings.Join(p, "\n  ")
}

// Load reads defaults, the file, the environment and the flags, in that
// order of increasing precedence, and validates the result. A *Problems
// error lists every problem at once.
func Load(o LoadOptions) (*Config, error) {
	def := Defaults()
	k := koanf.New(".")
	defMap, err := toMap(def)
	if err != nil {
		return nil, err
	}
	_ = k.Load(mapProvider(defMap), nil)
	known := knownKeys(k)
	var problems Problems

	file := o.File
	if file == "" {
		file = envValue(o.Env, "CAMPAIGNFLOW_CONFIG")
	}
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("config: reading %s: %w", file, err)
		}
		fk := koanf.New(".")
		if err := fk.Load(rawProvider(raw), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("config: %s is not valid YAML: %w", file, err)
		}
		problems = append(problems, unknownKeys(fk, known, file)...)
		problems = append(problems, rawProblems(fk)...)
		_ = k.Merge(fk)
	}
	envMap := map[string]any{}
	for _, kv := range o.Env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		key := envKeys[name]
		if key == "" && strings.HasPrefix(name, "CAMPAIGNFLOW_") && name != "CAMPAIGNFLOW_CONFIG" {
			key = strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "CAMPAIGNFLOW_"), "__", "."))
			if !known[key] {
				problems = append(problems, fmt.Sprintf("environment %s: no config key %q", name, key))
				continue
			}
		}
		if key != "" {
			envMap[key] = val
		}
	}
	_ = k.Load(mapProvider(maps.Unflatten(envMap, ".")), nil)
	if o.Flags != nil {
		flagMap := map[string]any{}
		o.Flags.Visit(func(f *pflag.Flag) {
			if key, ok := flagKeys[f.Name]; ok {
				flagMap[key] = f.Value.String()
			}
		})
		_ = k.Load(mapProvider(maps.Unflatten(flagMap, ".")), nil)
	}
	var cfg Config
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		if len(problems) == 0 {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	problems = append(problems, cfg.Validate()...)
	if len(problems) > 0 {
		return &cfg, problems
	}
	return &cfg, nil
}

type rawProvider []byte

func (r rawProvider) ReadBytes() ([]byte, error)    { return r, nil }
func (r rawProvider) Read() (map[string]any, error) { return nil, errors.New("config: not supported") }

func envValue(env []string, name string) string {
	for _, kv := range env {
		if n, v, ok := strings.Cut(kv, "="); ok && n == name {
			return v
		}
	}
	return ""
}

// toMap turns a Config into the nested map of its YAML keys.
func toMap(c Config) (map[string]any, error) {
	var buf bytes.Buffer
	enc := yamlv3.NewEncoder(&buf)
	if err := enc.Encode(durationStrings(c)); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yamlv3.Unmarshal(buf.Bytes(), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// durationStrings is c with durations as strings, for YAML encoding.
func durationStrings(c Config) map[string]any {
	b, _ := yamlv3.Marshal(c)
	var m map[string]any
	_ = yamlv3.Unmarshal(b, &m)
	return m
}

func knownKeys(k *koanf.Koanf) map[string]bool {
	known := map[string]bool{}
	for _, key := range k.Keys() {
		known[key] = true
		for p := key; strings.Contains(p, "."); {
			p = p[:strings.LastIndex(p, ".")]
			known[p] = true
		}
	}
	return known
}

var scheduleKeys = []string{"name", "promo_id", "campaign_id", "audiences", "cron", "time_zone", "catch_up"}

func unknownKeys(fk *koanf.Koanf, known map[string]bool, file string) Problems {
	var out Problems
	keys := fk.Keys()
	sort.Strings(keys)
	for _, key := range keys {
		if !known[key] {
			out = append(out, fmt.Sprintf("%s: unknown key %q", file, key))
		}
	}
	if list, ok := fk.Get("schedules").([]any); ok {
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("%s: schedules[%d] must be a mapping", file, i))
				continue
			}
			for key := range m {
				if !slices.Contains(scheduleKeys, key) {
					out = append(out, fmt.Sprintf("%s: schedules[%d]: unknown key %q (known: %s)", file, i, key, strings.Join(scheduleKeys, ", ")))
				}
			}
		}
	}
	return out
}
