package config

import (
	"reflect"
	"sort"
	"strings"
	"time"
)

// kind is what a config key holds, read from the Go type of its field.
type kind int

const (
	kindSection   kind = iota // a mapping of further keys (nats, chatinc, ...)
	kindString                // any scalar; numbers and booleans become text
	kindInt                   // a whole number
	kindFloat                 // a number
	kindBool                  // true or false
	kindDuration              // a Go duration with a unit: 30s, 5m, 1h, 3d
	kindStrings               // a list of text, or one comma-separated text
	kindDurations             // a list of durations, or one comma-separated text
	kindSchedules             // the list of schedules (file only)
)

var durationType = reflect.TypeFor[time.Duration]()

// keyKinds is the kind of every dotted key of Config, sections included.
var keyKinds = kindsOf(reflect.TypeFor[Config]())

// scheduleKinds is the kind of every key of one schedule.
var scheduleKinds = kindsOf(reflect.TypeFor[Schedule]())

func kindsOf(t reflect.Type) map[string]kind {
	out := map[string]kind{}
	addKinds(out, "", t)
	return out
}

func addKinds(out map[string]kind, prefix string, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("koanf"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := prefix + name
		out[key] = kindOf(f.Type)
		if f.Type.Kind() == reflect.Struct {
			addKinds(out, key+".", f.Type)
		}
	}
}

func kindOf(t reflect.Type) kind {
	if t == durationType {
		return kindDuration
	}
	switch t.Kind() {
	case reflect.Struct:
		return kindSection
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kindInt
	case reflect.Float32, reflect.Float64:
		return kindFloat
	case reflect.Bool:
		return kindBool
	case reflect.Slice:
		switch {
		case t.Elem() == durationType:
			return kindDurations
		case t.Elem().Kind() == reflect.String:
			return kindStrings
		case t.Elem().Kind() == reflect.Struct:
			return kindSchedules
		}
	}
	return kindString
}

// knownKeys is every key config knows, sections included.
func knownKeys() map[string]bool {
	known := make(map[string]bool, len(keyKinds))
	for key := range keyKinds {
		known[key] = true
	}
	return known
}

// sortedKeys is m's keys in order, for messages in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for key := range m {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

// leafAncestor reports the key's nearest ancestor that is a known non-section
// key ("nats.url" for "nats.url.a"), or "".
func leafAncestor(key string) string {
	for p := key; strings.Contains(p, "."); {
		p = p[:strings.LastIndex(p, ".")]
		if k, ok := keyKinds[p]; ok && k != kindSection {
			return p
		}
	}
	return ""
}
