// Package sinks is where campaignflow's results go: the record types of the
// public contract, a JetStream publisher with bounded pending acks and
// per-message ids (so a repeated publish never doubles a row), a file sink
// that derives Parquet or NDJSON warehouse files from the results stream
// with its own durable consumer, and a blob sink that writes the same files
// as whole objects to object storage through gocloud.dev/blob (s3, gs,
// azblob, file), one writer per output at a time.
package sinks
