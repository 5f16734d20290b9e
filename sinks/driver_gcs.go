//go:build !campaignflow_nogcs

package sinks

// gs:// sink URLs (Google Cloud Storage); -tags campaignflow_nogcs leaves the
// driver out (about 30 MB of binary and 12 MB of memory at start: the Cloud
// Storage client brings gRPC and the Google APIs).
import _ "gocloud.dev/blob/gcsblob"
