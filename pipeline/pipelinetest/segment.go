package pipelinetest

import "fmt"

// SegmentBody is a customer-segment-updated body as `campaignflow bench
// e2e` publishes it: an event_id, an audience and 10 contacts (the
// benchmarks of the decode path read it).
func SegmentBody() []byte {
	body := `{"event_id":"ev-e2e-1f2e3d-1-12345","audience":{"id":"e2e-1f2e3d-1-12345","name":"bench audience"},"contacts":[`
	for j := range 10 {
		if j > 0 {
			body += ","
		}
		body += fmt.Sprintf(`{"number":"+2782%03d%04d"}`, j, 2345)
	}
	return []byte(body + "]}")
}
