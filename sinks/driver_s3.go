//go:build !campaignflow_nos3

package sinks

// s3:// sink URLs (AWS S3 and S3-compatible stores); -tags campaignflow_nos3
// leaves the driver out (about 12 MB of binary).
import _ "gocloud.dev/blob/s3blob"
