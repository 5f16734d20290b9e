package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Error codes in the "code" field of every non-2xx response body.
const (
	CodeUnauthorized        = "unauthorized"
	CodeNotFound            = "not_found"
	CodeValidation          = "validation"
	CodeInvalidJSON         = "invalid_json"
	CodeTemplateNotApproved = "template_not_approved"
	CodeTooLarge            = "too_large"
	CodeRateLimited         = "rate_limited"
	CodeInternal            = "internal"
)

// apiError is an error the handlers return; it knows its status and code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errValidation(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, CodeValidation, fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{http.StatusNotFound, CodeNotFound, fmt.Sprintf(format, args...)}
}

func errTooLarge(format string, args ...any) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, CodeInternal, err.Error()}
	}
	writeJSON(w, ae.status, map[string]string{"status": "error", "code": ae.code, "error": ae.msg})
}

// decodeJSON reads a JSON body of at most MaxJSONBody bytes into v, with
// errors that give the position of a syntax error.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge("request body exceeds %d bytes (5 MiB); send contacts in batches of at most 1000", MaxJSONBody)
		}
		return errValidation("reading body: %v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return &apiError{http.StatusBadRequest, CodeInvalidJSON, "request body is empty; expected a JSON object"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(body, se.Offset)
			return &apiError{http.StatusBadRequest, CodeInvalidJSON,
				fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %v", line, col, se.Offset, se)}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &apiError{http.StatusBadRequest, CodeInvalidJSON,
				fmt.Sprintf("invalid JSON: field %q must be %s, got %s", te.Field, te.Type, te.Value)}
		}
		return &apiError{http.StatusBadRequest, CodeInvalidJSON, "invalid JSON: " + err.Error()}
	}
	return nil
}

// position turns a byte offset into a 1-based line and column.
func position(b []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off-1 && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}
