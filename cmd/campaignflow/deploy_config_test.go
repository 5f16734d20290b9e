package main_test

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

const exampleConfig = "config.example.yaml"

// commentedKeys are keys the example shows only as a comment, because
// setting them in a shared file is wrong (each replica needs its own
// worker_id; the default is the host name).
var commentedKeys = []string{"worker_id"}

// TestConfigExampleValidates: the example passes `campaignflow validate` as
// it is (sandbox mode, no environment).
func TestConfigExampleValidates(t *testing.T) {
	t.Chdir(deployDir)
	cfg, err := config.Load(config.LoadOptions{File: exampleConfig})
	if err != nil {
		t.Fatalf("%s does not validate:\n%v", exampleConfig, err)
	}
	if !cfg.SandboxMode() || !cfg.EmbeddedNATS() {
		t.Errorf("%s should run in sandbox mode on embedded NATS as written", exampleConfig)
	}
}

// TestConfigExampleShowsEveryKey: every key config knows (the YAML keys of
// config.Defaults, and every field of a schedule) is set in the example or,
// for commentedKeys, shown as a comment.
func TestConfigExampleShowsEveryKey(t *testing.T) {
	t.Chdir(deployDir)
	b, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	known := leafKeys(t, config.Defaults())
	if len(known) < 40 {
		t.Fatalf("config.Defaults has only %d keys: %v", len(known), known)
	}
	var example map[string]any
	if err := yaml.Unmarshal(b, &example); err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	flattenKeys("", example, shown)
	for _, k := range commentedKeys {
		if shown[k] {
			t.Errorf("%s sets %s; it should only show it commented out", exampleConfig, k)
		}
		if !regexp.MustCompile(`(?m)^#\s*` + regexp.QuoteMeta(k) + `:`).Match(b) {
			t.Errorf("%s does not show %s as a comment (# %s: ...)", exampleConfig, k, k)
		}
		shown[k] = true
	}
	for _, k := range known {
		if !shown[k] {
			t.Errorf("%s does not show the key %s", exampleConfig, k)
		}
	}

	// Schedules are a list: the example's items together use every field.
	used := map[string]bool{}
	for _, item := range dig(example, "schedules").([]any) {
		for k := range item.(map[string]any) {
			used[k] = true
		}
	}
	st := reflect.TypeFor[config.Schedule]()
	for i := range st.NumField() {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("yaml"), ",")
		if !used[name] {
			t.Errorf("%s: no example schedule shows schedules[].%s", exampleConfig, name)
		}
	}
}

// TestConfigExampleShowsDefaults: apart from the example schedules, the
// example's values are the defaults (its header says so), so reading it
// tells a user what they get without it.
func TestConfigExampleShowsDefaults(t *testing.T) {
	t.Chdir(deployDir)
	cfg, err := config.Load(config.LoadOptions{File: exampleConfig})
	if err != nil {
		t.Fatal(err)
	}
	def := config.Defaults()
	got := *cfg
	got.Schedules = nil
	for _, s := range []*[]string{&got.CSV.AllowedDirs, &got.CSV.AllowedHosts} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	if !reflect.DeepEqual(got, def) {
		t.Errorf("%s differs from config.Defaults():\n got %+v\nwant %+v", exampleConfig, got, def)
	}
}

// leafKeys is every dotted key of c as YAML (the keys config.Load knows).
func leafKeys(t *testing.T, c config.Config) []string {
	t.Helper()
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	flattenKeys("", m, set)
	out := keys(set)
	sort.Strings(out)
	return out
}

// flattenKeys adds the dotted path of every leaf of m (a list is a leaf).
func flattenKeys(prefix string, m map[string]any, into map[string]bool) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			flattenKeys(key, sub, into)
			continue
		}
		into[key] = true
	}
}

// loadWithEnv loads a config file (text) with an environment, as `run` would.
func loadWithEnv(t *testing.T, text string, env map[string]string) (*config.Config, error) {
	t.Helper()
	path := t.TempDir() + "/config.yaml"
	if text != "" {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		path = ""
	}
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	slices.Sort(list)
	return config.Load(config.LoadOptions{File: path, Env: list})
}
