// Package deploy holds campaignflow's deployment files (Dockerfile,
// docker-compose.yaml with a 3-node NATS JetStream cluster, Kubernetes
// manifests, NATS Helm values, the OpenTelemetry collector and Prometheus
// configs, the documented config example and the contract's example events)
// and the tests that keep them honest without Docker: every YAML parses, the
// config example passes validation and shows every key, the NATS configs
// parse with nats-server's own parser, and the image, probes and ports match
// the binary.
package deploy
