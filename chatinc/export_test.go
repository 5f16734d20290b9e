package chatinc

import (
	"bytes"
	"io"
)

// EncodeAudienceBatchForBench exposes the batch encoder to benchmarks.
func EncodeAudienceBatchForBench(w io.Writer, id string, cs []Contact) {
	var buf bytes.Buffer
	encodeAudienceBatch(&buf, id, "", "", cs)
	_, _ = w.Write(buf.Bytes())
}
