// Package bench measures campaignflow against an anchor: for each hot path
// it runs the plain-library way of doing the same work (raw nats.go, raw
// encoding/csv, raw net/http) and the project's real code, on the same
// data in the same process, and returns both figures with their ratio and
// the target. `campaignflow bench ingest|csv|client|publish` prints
// them; bench_test.go runs the same functions as Go benchmarks.
//
// Everything runs in-process on loopback: an embedded nats-server
// (sources.StartEmbedded, file storage under a temporary directory) and the
// Chat Inc sandbox (sandbox.Start on 127.0.0.1:0), unless a Chat Inc URL is
// given.
package bench
