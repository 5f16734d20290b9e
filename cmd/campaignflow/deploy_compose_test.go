package main_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompose: docker-compose.yaml runs the 3-node NATS cluster on the
// nats/*.conf files, two worker replicas pointed at all three nodes and at
// the sandbox with its API key, the sandbox itself, and the collector and
// Prometheus in the observability profile; every command names a real
// subcommand and flag, every environment variable a real config key, and
// every mounted file exists.
func TestCompose(t *testing.T) {
	t.Chdir(deployDir)
	bin := readBinary(t)
	doc := yamlDoc(t, "docker-compose.yaml")
	services, _ := dig(doc, "services").(map[string]any)
	if len(services) == 0 {
		t.Fatal("docker-compose.yaml has no services")
	}

	// Every bind-mounted file exists (paths are relative to deploy/).
	for name, svc := range services {
		for _, v := range strs(svc, "volumes") {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
			}
		}
		if b := str(svc, "build", "dockerfile"); b != "" {
			if _, err := os.Stat(filepath.Join(str(svc, "build", "context"), b)); err != nil {
				t.Errorf("service %s builds %s: %v", name, b, err)
			}
		}
	}

	// The NATS cluster.
	var natsURLs []string
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("nats-%d", i)
		svc := services[name]
		if svc == nil {
			t.Fatalf("no service %s", name)
		}
		conf := fmt.Sprintf("./nats/%s.conf:", name)
		if !slices.ContainsFunc(strs(svc, "volumes"), func(v string) bool { return strings.HasPrefix(v, conf) }) {
			t.Errorf("%s does not mount %s", name, conf)
		}
		if !strings.HasPrefix(str(svc, "image"), "nats:2.") {
			t.Errorf("%s image %q is not nats:2.x", name, str(svc, "image"))
		}
		natsURLs = append(natsURLs, "nats://"+name+":4222")
	}

	// The sandbox: its address and API key are what the workers use.
	sim := services["chatinc-sim"]
	simFlags := bin.checkCommandLine(t, "chatinc-sim command", strs(sim, "command"))
	if strs(sim, "command")[0] != "sim" {
		t.Fatalf("chatinc-sim does not run `campaignflow sim`: %v", strs(sim, "command"))
	}
	simPort := portOf(t, "sim --addr", simFlags["addr"])
	if simFlags["api-key"] == "" || simFlags["time-scale"] == "" {
		t.Errorf("sim runs without --api-key or --time-scale: %v", simFlags)
	}
	if hc := strs(sim, "healthcheck", "test"); len(hc) < 3 || hc[1] != "/campaignflow" {
		t.Errorf("chatinc-sim healthcheck %v does not run /campaignflow (distroless has no shell or curl)", hc)
	} else {
		bin.checkCommandLine(t, "chatinc-sim healthcheck", hc[2:])
	}

	// Two workers.
	workerIDs := map[string]bool{}
	for _, name := range []string{"campaignflow-1", "campaignflow-2"} {
		svc := services[name]
		if svc == nil {
			t.Fatalf("no service %s", name)
		}
		env := map[string]string{}
		for k, v := range dig(svc, "environment").(map[string]any) {
			env[k] = fmt.Sprint(v)
		}
		if got := strings.Split(env["CAMPAIGNFLOW_NATS_URL"], ","); !slices.Equal(got, natsURLs) {
			t.Errorf("%s: CAMPAIGNFLOW_NATS_URL %v, want all three nodes %v", name, got, natsURLs)
		}
		u, err := url.Parse(env["CHATINC_URL"])
		if err != nil || u.Hostname() != "chatinc-sim" || u.Port() != simPort {
			t.Errorf("%s: CHATINC_URL %q does not point at chatinc-sim:%s", name, env["CHATINC_URL"], simPort)
		}
		if env["CHATINC_API_KEY"] != simFlags["api-key"] {
			t.Errorf("%s: CHATINC_API_KEY %q is not the sandbox's --api-key %q", name, env["CHATINC_API_KEY"], simFlags["api-key"])
		}
		// Every variable is one config knows, with a valid value.
		cfgEnv := map[string]string{}
		for k, v := range env {
			if !strings.HasPrefix(k, "OTEL_") {
				cfgEnv[k] = v
			}
		}
		cfg, err := loadWithEnv(t, "", cfgEnv)
		if err != nil {
			t.Errorf("%s: its environment is not a valid configuration:\n%v", name, err)
			continue
		}
		if cfg.NATS.Replicas != 3 {
			t.Errorf("%s: nats.replicas %d, want 3 on the 3-node cluster", name, cfg.NATS.Replicas)
		}
		if workerIDs[cfg.WorkerID] {
			t.Errorf("%s: worker id %q is used twice", name, cfg.WorkerID)
		}
		workerIDs[cfg.WorkerID] = true
		if dig(svc, "depends_on", "nats-1") == nil || dig(svc, "depends_on", "chatinc-sim") == nil {
			t.Errorf("%s does not wait for NATS and the sandbox", name)
		}
	}

	// Observability profile.
	for _, name := range []string{"otel-collector", "prometheus"} {
		if !slices.Contains(strs(services[name], "profiles"), "observability") {
			t.Errorf("%s is not in the observability profile", name)
		}
	}

	// Tools: a real command line.
	for name, svc := range services {
		if strs(svc, "entrypoint") != nil && len(strs(svc, "entrypoint")) > 0 && strs(svc, "entrypoint")[0] == "/campaignflow" {
			bin.checkCommandLine(t, name+" command", strs(svc, "command"))
		}
	}
}

// TestPrometheusScrapesWorkers: prometheus.yaml scrapes /metrics of both
// replicas on the port `campaignflow run` serves.
func TestPrometheusScrapesWorkers(t *testing.T) {
	t.Chdir(deployDir)
	bin := readBinary(t)
	doc := yamlDoc(t, "prometheus.yaml")
	found := false
	for _, sc := range dig(doc, "scrape_configs").([]any) {
		if str(sc, "job_name") != "campaignflow" {
			continue
		}
		found = true
		if p := str(sc, "metrics_path"); p != "/metrics" || !bin.paths[p] {
			t.Errorf("metrics_path %q, want /metrics (the binary serves %v)", p, keys(bin.paths))
		}
		targets := strs(sc, "static_configs", "0", "targets")
		if want := []string{"campaignflow-1:" + bin.httpPort, "campaignflow-2:" + bin.httpPort}; !slices.Equal(targets, want) {
			t.Errorf("targets %v, want %v", targets, want)
		}
	}
	if !found {
		t.Error("prometheus.yaml has no campaignflow job")
	}
}

// TestOTelCollector: the collector receives OTLP on the port the workers
// export to, and every pipeline uses declared components.
func TestOTelCollector(t *testing.T) {
	t.Chdir(deployDir)
	doc := yamlDoc(t, "otel-collector.yaml")
	if ep := str(doc, "receivers", "otlp", "protocols", "http", "endpoint"); !strings.HasSuffix(ep, ":4318") {
		t.Errorf("OTLP/HTTP receiver on %q, want :4318 (OTEL_EXPORTER_OTLP_ENDPOINT in docker-compose.yaml)", ep)
	}
	pipelines, _ := dig(doc, "service", "pipelines").(map[string]any)
	for _, want := range []string{"traces", "metrics"} {
		if pipelines[want] == nil {
			t.Errorf("no %s pipeline", want)
		}
	}
	for name, p := range pipelines {
		for _, kind := range []string{"receivers", "processors", "exporters"} {
			for _, c := range strs(p, kind) {
				if dig(doc, kind, c) == nil {
					t.Errorf("pipeline %s uses %s %q, which is not declared", name, kind, c)
				}
			}
		}
	}
}
