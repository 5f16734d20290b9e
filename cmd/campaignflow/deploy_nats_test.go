package main_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// TestNATSClusterConfigs: each nats/nats-N.conf parses with nats-server's
// own parser, runs JetStream on disk with fsync on every write
// (sync_interval: always), and routes to all three nodes of one cluster.
func TestNATSClusterConfigs(t *testing.T) {
	t.Chdir(deployDir)
	files, err := filepath.Glob("nats/nats-*.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("nats/: %d node configs %v, want 3", len(files), files)
	}
	names := map[string]bool{}
	for i, f := range files {
		t.Run(f, func(t *testing.T) {
			opts, err := server.ProcessConfigFile(f)
			if err != nil {
				t.Fatalf("nats-server rejects %s: %v", f, err)
			}
			want := fmt.Sprintf("nats-%d", i+1)
			if opts.ServerName != want || names[opts.ServerName] {
				t.Errorf("server_name %q, want %q (unique)", opts.ServerName, want)
			}
			names[opts.ServerName] = true
			if !opts.JetStream {
				t.Error("JetStream is off")
			}
			if !opts.SyncAlways {
				t.Error("jetstream.sync_interval is not always: acknowledged writes can be lost on power loss")
			}
			if opts.StoreDir == "" {
				t.Error("jetstream.store_dir is not set")
			}
			if opts.Cluster.Name != "campaignflow" || opts.Cluster.Port != 6222 {
				t.Errorf("cluster name %q port %d, want campaignflow on 6222", opts.Cluster.Name, opts.Cluster.Port)
			}
			var routes []string
			for _, r := range opts.Routes {
				routes = append(routes, r.Host)
			}
			slices.Sort(routes)
			if want := []string{"nats-1:6222", "nats-2:6222", "nats-3:6222"}; !slices.Equal(routes, want) {
				t.Errorf("routes %v, want %v", routes, want)
			}
			if opts.Port != 4222 {
				t.Errorf("client port %d, want 4222 (the compose file's CAMPAIGNFLOW_NATS_URL)", opts.Port)
			}
		})
	}
}
