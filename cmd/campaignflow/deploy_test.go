// The tests in deploy_*_test.go keep deploy/ (Dockerfile, docker-compose.yaml
// with a 3-node NATS JetStream cluster, Kubernetes manifests, NATS Helm
// values, the OpenTelemetry collector and Prometheus configs, the documented
// config example and the contract's example events) honest without Docker:
// every YAML parses, the config example passes the config loader and shows
// every key, the NATS configs parse with nats-server's own parser, and the
// image, probes and ports match the binary. They live beside the binary
// because they read its config loader.
package main_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// deployDir holds the deployment files. Every test here runs in it
// (t.Chdir), so paths read as the files name each other.
const deployDir = "../../deploy"

// cmdDir is the source of the campaignflow binary, whose subcommands, flags
// and HTTP paths the deploy files must name (relative to deployDir).
const cmdDir = "../cmd/campaignflow"

// TestEveryYAMLParses: every *.yaml / *.yml under deploy/ is valid YAML,
// every document of a multi-document file included, and none is empty.
func TestEveryYAMLParses(t *testing.T) {
	t.Chdir(deployDir)
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d YAML files under deploy/: %v", len(files), files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			docs := yamlDocs(t, f)
			if len(docs) == 0 {
				t.Fatalf("%s holds no YAML document", f)
			}
			for i, d := range docs {
				if len(d) == 0 {
					t.Errorf("%s: document %d is empty", f, i)
				}
			}
		})
	}
}

// yamlDocs decodes every document of a YAML file into a map.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d is not valid YAML: %v", path, len(docs), err)
		}
		if m != nil {
			docs = append(docs, m)
		}
	}
}

// yamlDoc is the single document of a YAML file.
func yamlDoc(t *testing.T, path string) map[string]any {
	t.Helper()
	docs := yamlDocs(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want 1", path, len(docs))
	}
	return docs[0]
}

// dig walks a decoded YAML tree by map keys and list indexes ("0").
func dig(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// str is dig as a string ("" when absent or not a scalar).
func str(v any, path ...string) string {
	switch x := dig(v, path...).(type) {
	case string:
		return x
	case int, bool, float64:
		return fmt.Sprint(x)
	}
	return ""
}

// strs is dig as a list of strings.
func strs(v any, path ...string) []string {
	list, _ := dig(v, path...).([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// binary is what the campaignflow source says it serves and accepts.
type binary struct {
	subcommands map[string]bool // names of every Use: string
	flags       map[string]bool // every flag name defined anywhere
	paths       map[string]bool // HTTP paths `campaignflow run` serves
	httpPort    string          // port of --http-addr's default
}

var (
	useRE  = regexp.MustCompile(`Use:\s+"([a-z][a-z0-9-]*)`)
	flagRE = regexp.MustCompile(`\.(?:String|Bool|Int|Int64|Uint|Float64|Duration|StringSlice|StringArray|StringToString)(?:Var)?P?\(\s*(?:&[\w.]+,\s*)?"([a-z0-9-]+)"`)
	pathRE = regexp.MustCompile(`\.Handle(?:Func)?\("(?:GET )?(/[a-z/]+)"`)
	addrRE = regexp.MustCompile(`"http-addr",\s*"([^"]+)"`)
)

// readBinary reads the command sources of cmd/campaignflow.
func readBinary(t *testing.T) binary {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(cmdDir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources in %s: %v", cmdDir, err)
	}
	b := binary{subcommands: map[string]bool{}, flags: map[string]bool{"help": true, "version": true}, paths: map[string]bool{}}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range useRE.FindAllSubmatch(src, -1) {
			b.subcommands[string(m[1])] = true
		}
		for _, m := range flagRE.FindAllSubmatch(src, -1) {
			b.flags[string(m[1])] = true
		}
		for _, m := range pathRE.FindAllSubmatch(src, -1) {
			b.paths[string(m[1])] = true
		}
		if m := addrRE.FindSubmatch(src); m != nil {
			_, port, err := net.SplitHostPort(string(m[1]))
			if err != nil {
				t.Fatalf("%s: --http-addr default %q: %v", f, m[1], err)
			}
			b.httpPort = port
		}
	}
	for _, want := range []string{"run", "sim", "healthcheck", "validate"} {
		if !b.subcommands[want] {
			t.Fatalf("the binary has no %q subcommand (found %v): the test's reading of %s is off", want, b.subcommands, cmdDir)
		}
	}
	if !b.paths["/healthz"] || !b.paths["/readyz"] || b.httpPort == "" {
		t.Fatalf("could not read /healthz, /readyz and the --http-addr port from %s: %+v", cmdDir, b)
	}
	return b
}

// checkCommandLine checks that args (after the binary) start with a real
// subcommand and use only real flags, and returns the value of each flag.
func (b binary) checkCommandLine(t *testing.T, where string, args []string) map[string]string {
	t.Helper()
	if len(args) == 0 || !b.subcommands[args[0]] {
		t.Errorf("%s: %q does not start with a campaignflow subcommand (have %v)", where, args, keys(b.subcommands))
		return nil
	}
	vals := map[string]string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !b.flags[name] {
			t.Errorf("%s: flag --%s is not defined by campaignflow", where, name)
		}
		if !hasVal && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			val = args[i+1]
			i++
		}
		vals[name] = val
	}
	return vals
}

// portOf is the port of HOST:PORT or of a URL's host.
func portOf(t *testing.T, where, hostport string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Errorf("%s: %q is not HOST:PORT: %v", where, hostport, err)
	}
	return port
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
