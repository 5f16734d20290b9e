package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// post sends body to base+path with a key and returns status and decoded body.
func post(t *testing.T, base, path, key string, body []byte) (int, map[string]any, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

func page(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "page", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func upload(t *testing.T, base, path string, fields map[string]string, csv string) (int, map[string]any) {
	t.Helper()
	return uploadBody(t, base, path, fields, csv, false)
}

// uploadChunked sends the upload without a Content-Length.
func uploadChunked(t *testing.T, base, path string, fields map[string]string, csv string) (int, map[string]any) {
	t.Helper()
	return uploadBody(t, base, path, fields, csv, true)
}

func uploadBody(t *testing.T, base, path string, fields map[string]string, csv string, chunked bool) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "list.csv")
	_, _ = fw.Write([]byte(csv))
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	var body io.Reader = &buf
	if chunked {
		body = io.MultiReader(&buf) // hides the length: sent chunked
	}
	req, _ := http.NewRequest(http.MethodPost, base+path, body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "key")
	code, m, _ := send(t, req)
	return code, m
}
