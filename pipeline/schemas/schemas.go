// Package schemas holds the JSON Schemas (draft 2020-12) of every event
// campaignflow consumes and every result it publishes, embedded in the
// binary, and validates documents against them.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed json/*.json
var files embed.FS

var printer = message.NewPrinter(language.English)

var (
	once     sync.Once
	compiled map[string]*jsonschema.Schema
	loadErr  error
)

// Names lists the schemas: the four event types and the four result schemas.
func Names() []string {
	entries, _ := files.ReadDir("json")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	slices.Sort(out)
	return out
}

// Schema returns the schema document called name.
func Schema(name string) ([]byte, error) {
	b, err := files.ReadFile("json/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("schemas: no schema %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

func load() {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	compiled = map[string]*jsonschema.Schema{}
	for _, n := range Names() {
		b, _ := Schema(n)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			loadErr = fmt.Errorf("schemas: %s: %w", n, err)
			return
		}
		url := "mem:///" + n + ".json"
		if err := c.AddResource(url, doc); err != nil {
			loadErr = fmt.Errorf("schemas: %s: %w", n, err)
			return
		}
		s, err := c.Compile(url)
		if err != nil {
			loadErr = fmt.Errorf("schemas: compiling %s: %w", n, err)
			return
		}
		compiled[n] = s
	}
}

// Validate checks data against the schema called name; the error lists
// every violation with its JSON pointer.
func Validate(name string, data []byte) error {
	once.Do(load)
	if loadErr != nil {
		return loadErr
	}
	s, ok := compiled[name]
	if !ok {
		return fmt.Errorf("schemas: no schema %q (have %s)", name, strings.Join(Names(), ", "))
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("schemas: %s: not JSON: %w", name, err)
	}
	if err := s.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("schemas: %s: %s", name, strings.Join(violations(ve), "; "))
		}
		return fmt.Errorf("schemas: %s: %w", name, err)
	}
	return nil
}

// notReasons say in words why a "not" of the schemas failed (the library
// says only "'not' failed"), by the end of the keyword's schema location.
var notReasons = map[*regexp.Regexp]string{
	regexp.MustCompile(`#/properties/schedule$`): "has both at and cron: give at for one run, or cron (with time_zone, until, catch_up) for a schedule, not both",
}

// violations flattens a validation error tree into "pointer: message"
// lines, each once.
func violations(ve *jsonschema.ValidationError) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			ptr := "/" + strings.Join(e.InstanceLocation, "/")
			msg := e.ErrorKind.LocalizedString(printer)
			if _, ok := e.ErrorKind.(*kind.Not); ok {
				for re, why := range notReasons {
					if re.MatchString(e.SchemaURL) {
						msg = why
					}
				}
			}
			if line := fmt.Sprintf("%s: %s", ptr, msg); !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// ValidateValue marshals v and validates it.
func ValidateValue(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return Validate(name, b)
}
