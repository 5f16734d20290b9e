// Package sinks is where campaignflow's results go: the record types of the
// public contract, a JetStream publisher with bounded pending acks and
// per-message ids (so a repeated publish never doubles a row), and a file
// sink that derives Parquet or NDJSON warehouse files from the results
// stream with its own durable consumer.
package sinks
