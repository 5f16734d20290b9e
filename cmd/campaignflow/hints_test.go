package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// walkCommands calls fn for root and every command under it.
func walkCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, fn)
	}
}

// TestFlagUsagesHaveNoStrayWords: pflag turns the first `quoted` word of a
// usage string into the flag's value name ("--nats-url campaignflow run"),
// so no usage may contain a backtick; the value name is then the flag's
// type, and no usage is empty.
func TestFlagUsagesHaveNoStrayWords(t *testing.T) {
	walkCommands(newRootCmd(), func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: usage %q has a backtick (pflag makes the quoted words the value name)", c.CommandPath(), f.Name, f.Usage)
			}
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s: no usage", c.CommandPath(), f.Name)
			}
		})
	})
}

// flagRE finds a --flag; flagName is its name.
var flagRE = regexp.MustCompile(`(^|[^A-Za-z0-9_-])--([a-z][a-z0-9-]*)`)

// otherTool is a command of another program on the same line before a
// flag: the flag is that program's.
var otherTool = regexp.MustCompile(`(^|[\s"'(\x60\[])(nats|nats-server|docker|kubectl|helm|git|go|curl|HEALTHCHECK|COPY)\s`)

// cfRE is an invocation of campaignflow and the words after it.
var cfRE = regexp.MustCompile(`campaignflow((?:\s+[a-z][a-z0-9-]*)*)`)

// hintProblem checks every --flag in line; it returns what names no flag.
func hintProblems(root *cobra.Command, line string) []string {
	var bad []string
	for _, m := range flagRE.FindAllStringSubmatchIndex(line, -1) {
		name := line[m[4]:m[5]]
		before := line[:m[4]-2]
		cf := strings.LastIndex(before, "campaignflow")
		if loc := otherTool.FindAllStringIndex(before, -1); len(loc) > 0 && loc[len(loc)-1][0] > cf {
			continue // another program's flag (natscli, docker, ...)
		}
		if name == "help" || name == "version" {
			continue
		}
		if cf >= 0 {
			words := strings.Fields(cfRE.FindStringSubmatch(before[cf:])[1])
			if c, _, err := root.Find(words); err == nil && c != root {
				if !flagNear(c, name) {
					bad = append(bad, "--"+name+" (not a flag of "+c.CommandPath()+" or its neighbours)")
				}
				continue
			}
		}
		if !flagAnywhere(root, name) {
			bad = append(bad, "--"+name+" (no command has it)")
		}
	}
	return bad
}

func hasFlag(c *cobra.Command, name string) bool {
	return c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil
}

// flagNear: c, a command under it, or (for "dlq list | replay --all") a
// sibling has the flag.
func flagNear(c *cobra.Command, name string) bool {
	if flagAnywhere(c, name) {
		return true
	}
	if p := c.Parent(); p != nil && p.Parent() != nil {
		return flagAnywhere(p, name)
	}
	return false
}

func flagAnywhere(c *cobra.Command, name string) bool {
	found := false
	walkCommands(c, func(x *cobra.Command) { found = found || hasFlag(x, name) })
	return found
}

// TestHintsNameRealFlags: every --flag that the code's string literals, the
// README and the example config mention is a flag of campaignflow (of the
// command named before it, when one is), unless the line shows it belongs
// to another program (nats, docker, kubectl, ...).
func TestHintsNameRealFlags(t *testing.T) {
	root := newRootCmd()
	repo := filepath.Join("..", "..")
	check := func(where, text string) {
		for i, line := range strings.Split(text, "\n") {
			for _, p := range hintProblems(root, line) {
				t.Errorf("%s:%d: %s in %q", where, i+1, p, strings.TrimSpace(line))
			}
		}
	}
	for _, doc := range []string{"README.md", "deploy/config.example.yaml"} {
		b, err := os.ReadFile(filepath.Join(repo, doc))
		if err != nil {
			t.Fatal(err)
		}
		check(doc, string(b))
	}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != repo {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				if err == nil && strings.Contains(s, "--") {
					check(fset.Position(lit.Pos()).String(), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil || files < 50 {
		t.Fatalf("scanned %d Go files: %v", files, err)
	}
}

// TestHintCheckerCatchesWrongFlags: the checker itself finds a made-up
// flag, a flag of the wrong command, and leaves other programs' alone.
func TestHintCheckerCatchesWrongFlags(t *testing.T) {
	root := newRootCmd()
	cases := map[string]int{
		"pick another with --sandbox-addr":                        0,
		"pick another with --no-such-flag":                        1,
		"campaignflow run --addr 127.0.0.1:1":                     1,
		"campaignflow sim --addr 127.0.0.1:1":                     0,
		"campaignflow dlq list | replay (SEQ | --all) [--type T]": 0,
		"nats consumer add S c --pull --defaults":                 0,
		"nats --server nats://x stream ls; campaignflow run --x":  1,
	}
	for line, want := range cases {
		if got := hintProblems(root, line); len(got) != want {
			t.Errorf("%q: problems %v, want %d", line, got, want)
		}
	}
}
