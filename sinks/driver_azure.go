//go:build !campaignflow_noazure

package sinks

// azblob:// sink URLs (Azure Blob Storage); -tags campaignflow_noazure leaves
// the driver out (about 4 MB of binary).
import _ "gocloud.dev/blob/azureblob"
