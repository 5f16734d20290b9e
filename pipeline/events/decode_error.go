package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// decodeError is the *ValidationError of a body json.Unmarshal refused: a
// value of the wrong type (json.UnmarshalTypeError) is a problem at its
// field's path ("frequency_cap.max", "buttons[1].text") in plain words;
// anything else (not JSON) is a problem of the whole body.
func decodeError(eventType string, data []byte, err error) *ValidationError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &ValidationError{Event: eventType, Problems: []Problem{{Path: typeErrorPath(data, te), Reason: typeErrorReason(te)}}}
	}
	return &ValidationError{Event: eventType, Problems: []Problem{{Reason: "body is not a valid " + eventType + " event: " + err.Error()}}}
}

// typeErrorReason says what te's value is and what the field takes, the
// way other wrong-typed values are reported ("1e2 is not an integer").
func typeErrorReason(te *json.UnmarshalTypeError) string {
	got, literal, _ := strings.Cut(te.Value, " ") // "number 1e2", "string", "object"
	what := "a " + got
	if got == "array" || got == "object" {
		what = "an " + got
	}
	if literal != "" {
		what = literal
	}
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return what + " is not an integer (write a whole number, e.g. 10)"
	case reflect.String:
		return what + " is not a string"
	case reflect.Bool:
		return what + " is not true or false"
	case reflect.Slice, reflect.Array:
		return what + " is not a list"
	case reflect.Float32, reflect.Float64:
		return what + " is not a number"
	}
	return what + " is not an object"
}

// typeErrorPath is the path of the value te is about: found at te.Offset
// in data (so that list indices are named: buttons[1].text), else te.Field
// as encoding/json gives it (names only).
func typeErrorPath(data []byte, te *json.UnmarshalTypeError) string {
	// (A map's key is not in te.Field: contacts.attributes for
	// contacts[0].attributes.a.)
	if p, names, ok := valuePathAt(data, te.Offset); ok && (names == te.Field || strings.HasPrefix(names, te.Field+".")) {
		return p
	}
	return te.Field
}

// valuePathAt walks data's tokens to the value that ends (a literal) or
// opens (an object or array) at offset: its path ("buttons[1].text") and
// the same without indices ("buttons.text"), as encoding/json names it.
func valuePathAt(data []byte, offset int64) (path, names string, ok bool) {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	build := func() (string, string) {
		var p, n strings.Builder
		for _, f := range stack {
			if f.array {
				p.WriteString("[" + strconv.Itoa(f.index) + "]")
				continue
			}
			if p.Len() > 0 {
				p.WriteByte('.')
			}
			if n.Len() > 0 {
				n.WriteByte('.')
			}
			p.WriteString(f.key)
			n.WriteString(f.key)
		}
		return p.String(), n.String()
	}
	done := func() { // a value of the innermost frame was read
		if len(stack) == 0 {
			return
		}
		if top := &stack[len(stack)-1]; top.array {
			top.index++
		} else {
			top.wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", "", false
		}
		if d, isDelim := tok.(json.Delim); isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
			stack[n-1].key, stack[n-1].wantKey = fmt.Sprint(tok), false
			continue
		}
		if dec.InputOffset() == offset {
			path, names = build()
			return path, names, true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{array: true})
		default:
			done()
		}
	}
}
