package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// rawPoster posts add-contacts batches with nothing but net/http: the
// anchor of the client benchmarks.
type rawPoster struct {
	hc  *http.Client
	url string
	key string
}

func newRawPoster(baseURL, key string) *rawPoster {
	return &rawPoster{hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}, url: baseURL + "/v1/create/audience",
		key: key}
}

// encodeBatch appends {"id":..,"name":..,"contacts":[{"number":..},..]}.
func encodeBatch(dst []byte, id string, numbers []string) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendQuote(dst, id)
	dst = append(dst, `,"name":`...)
	dst = strconv.AppendQuote(dst, id)
	dst = append(dst, `,"contacts":[`...)
	for i, n := range numbers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"number":`...)
		dst = strconv.AppendQuote(dst, n)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// post sends one encoded batch and drains the answer.
func (p *rawPoster) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bench: raw POST: %w", err)
	}
	req.Header.Set("Authorization", p.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return fmt.Errorf("bench: raw POST %s: %w", p.url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: raw POST %s: %s: %.200s", p.url, resp.Status, msg)
	}
	return nil
}

func (p *rawPoster) close() { p.hc.CloseIdleConnections() }
