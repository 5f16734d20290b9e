// Package clustersuite is campaignflow's cluster fault suite (tests only,
// build tag clustersuite; `make test-cluster`, run by CI): three nats-server
// processes as a JetStream cluster (R3 streams and KV), the Chat Inc sandbox
// and three workers as child processes of the built binaries, segment
// events with duplicates, promos and a per-second cron, while nodes,
// workers and leaders are killed, stalled or cut off (network namespaces
// and nftables drop rules; SIGSTOP where the machine has neither); then
// every audience, campaign, run, tick and snapshot is checked.
package clustersuite
