package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/knadh/koanf/maps"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
	yamlv3 "gopkg.in/yaml.v3"

	"github.com/campaignflow/campaignflow/sources"
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
	"chatinc-url": "chatinc.url", "http-addr": "http_addr", "sink-dir": "sinks.dir", "sink-url": "sinks.url",
	"sink-format": "sinks.format", "log-level": "log.level", "log-format": "log.format", "worker-id": "worker_id",
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
// order of increasing precedence, and validates the result. A Problems
// error lists every problem at once: unknown keys, values of the wrong type
// (each reported where it was written, and left at its default so that the
// rest can still be checked) and values out of range.
func Load(o LoadOptions) (*Config, error) {
	def := Defaults()
	k := koanf.New(".")
	defMap, err := toMap(def)
	if err != nil {
		return nil, err
	}
	_ = k.Load(mapProvider(defMap), nil)
	var problems Problems

	file := o.File
	if file == "" {
		file = envValue(o.Env, "CAMPAIGNFLOW_CONFIG")
	}
	if file != "" {
		raw, err := readFile(file)
		if err != nil {
			return nil, err
		}
		fk := koanf.New(".")
		if err := fk.Load(rawProvider(raw), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("config: %s is not valid YAML: %w", file, err)
		}
		problems = append(problems, unknownKeys(fk, knownKeys(), file)...)
		vals, p := fileValues(fk)
		problems = append(problems, p...)
		_ = k.Load(mapProvider(maps.Unflatten(vals, ".")), nil)
	}
	origins := map[string]string{} // key -> the variable or flag that set it
	vals, p := envValues(o.Env, origins)
	problems = append(problems, p...)
	_ = k.Load(mapProvider(maps.Unflatten(vals, ".")), nil)
	vals, p = flagValues(o.Flags, origins)
	problems = append(problems, p...)
	_ = k.Load(mapProvider(maps.Unflatten(vals, ".")), nil)

	var cfg Config
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		// clean gave every value its field's type, so this is a bug here.
		problems = append(problems, fmt.Sprintf("decoding the configuration: %v (report this; the keys named hold values of the wrong type)", err))
	}
	if strings.TrimSpace(cfg.WorkerID) == "" {
		cfg.WorkerID = def.WorkerID // an empty worker_id means the default, the host name
	}
	problems = append(problems, attributed(cfg.Validate(), origins)...)
	if len(problems) > 0 {
		return &cfg, problems
	}
	return &cfg, nil
}

// MaxFileBytes bounds a config file; a real one is a few KiB.
const MaxFileBytes = 1 << 20

// readFile reads a config file: a regular file (a FIFO or a device is
// refused before a byte is read) of at most MaxFileBytes.
func readFile(file string) ([]byte, error) {
	raw, err := sources.ReadRegular(file, MaxFileBytes)
	var (
		nr *sources.NotRegularError
		tl *sources.TooLargeError
	)
	switch {
	case errors.As(err, &nr):
		return nil, fmt.Errorf("config: %s is a %s, not a regular file; give a YAML file", file, nr.Kind)
	case errors.As(err, &tl):
		return nil, fmt.Errorf("config: %s is larger than 1 MiB; a config file is a few KiB (see deploy/config.example.yaml)", file)
	case err != nil:
		return nil, fmt.Errorf("config: reading %s: %w", file, err)
	}
	return raw, nil
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

// scheduleKeys is every key of one schedule, for messages.
var scheduleKeys = sortedKeys(scheduleKinds)

func unknownKeys(fk *koanf.Koanf, known map[string]bool, file string) Problems {
	var out Problems
	keys := fk.Keys()
	sort.Strings(keys)
	for _, key := range keys {
		if !known[key] && leafAncestor(key) == "" { // under a leaf: clean reports the leaf
			out = append(out, fmt.Sprintf("%s: unknown key %q (deploy/config.example.yaml lists every key)", file, key))
		}
	}
	if list, ok := fk.Get("schedules").([]any); ok {
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("%s: schedules[%d]: %s is not a mapping; write each schedule as keys (- name: ..., cron: ...)", file, i, describe(item)))
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
