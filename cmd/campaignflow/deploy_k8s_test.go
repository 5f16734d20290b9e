package main_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
)

// shutdownMargin is how long the worker may take after consumer.grace to
// stop (worker.Shutdown's deadline is grace + 10s).
const shutdownMargin = 10 * time.Second

// k8sObjects reads every manifest under k8s/ by kind.
func k8sObjects(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string]map[string]any{}
	for _, f := range files {
		for _, d := range yamlDocs(t, f) {
			kind := str(d, "kind")
			if kind == "" || str(d, "apiVersion") == "" {
				t.Errorf("%s: a document without kind or apiVersion", f)
			}
			if objs[kind] != nil {
				t.Errorf("%s: a second %s", f, kind)
			}
			objs[kind] = d
		}
	}
	return objs
}

// TestKustomizationListsEveryManifest: `kubectl apply -k deploy/k8s` applies
// every manifest in the directory.
func TestKustomizationListsEveryManifest(t *testing.T) {
	t.Chdir(deployDir)
	listed := strs(yamlDoc(t, "k8s/kustomization.yaml"), "resources")
	files, _ := filepath.Glob("k8s/*.yaml")
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(listed, base) {
			t.Errorf("kustomization.yaml does not list %s", base)
		}
	}
	for _, r := range listed {
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
}

// TestKubernetes: the Deployment runs a real command line with the mounted
// ConfigMap as --config, probes /healthz and /readyz on the port it serves,
// stops within terminationGracePeriodSeconds, takes the API key from the
// Secret; the ConfigMap's config validates with that environment; Service,
// PodDisruptionBudget and ServiceMonitor select the pods and the port.
func TestKubernetes(t *testing.T) {
	t.Chdir(deployDir)
	bin := readBinary(t)
	objs := k8sObjects(t)
	for _, kind := range []string{"Deployment", "PodDisruptionBudget", "Secret", "ConfigMap", "Service", "ServiceMonitor"} {
		if objs[kind] == nil {
			t.Fatalf("no %s under k8s/", kind)
		}
	}
	dep := objs["Deployment"]
	pod := dig(dep, "spec", "template", "spec")
	podLabels := dig(dep, "spec", "template", "metadata", "labels").(map[string]any)
	matches := func(what string, sel any) {
		m, _ := sel.(map[string]any)
		if len(m) == 0 {
			t.Errorf("%s has no selector", what)
		}
		for k, v := range m {
			if podLabels[k] != v {
				t.Errorf("%s selects %s=%v, the pods have %v", what, k, v, podLabels[k])
			}
		}
	}
	matches("Deployment", dig(dep, "spec", "selector", "matchLabels"))
	ctr := dig(pod, "containers", "0")

	// Command line and port.
	flags := bin.checkCommandLine(t, "Deployment args", strs(ctr, "args"))
	if strs(ctr, "args")[0] != "run" {
		t.Fatalf("the container does not run the worker: %v", strs(ctr, "args"))
	}
	port := portOf(t, "--http-addr", flags["http-addr"])
	if port != bin.httpPort || str(ctr, "ports", "0", "containerPort") != port || str(ctr, "ports", "0", "name") != "http" {
		t.Errorf("--http-addr port %s, containerPort %s (%s), binary default %s: want one port named http",
			port, str(ctr, "ports", "0", "containerPort"), str(ctr, "ports", "0", "name"), bin.httpPort)
	}
	probePort := func(p string) string {
		if p == "http" {
			return port
		}
		return p
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		got := str(ctr, probe, "httpGet", "path")
		if got != path || !bin.paths[got] || probePort(str(ctr, probe, "httpGet", "port")) != port {
			t.Errorf("%s GET %s on %s, want %s on %s (the binary serves %v)", probe, got,
				str(ctr, probe, "httpGet", "port"), path, port, keys(bin.paths))
		}
	}
	if str(ctr, "resources", "requests", "cpu") == "" || str(ctr, "resources", "requests", "memory") == "" {
		t.Error("no resource requests")
	}

	// Config: the ConfigMap mounted where --config points.
	cm := objs["ConfigMap"]
	cfgText := str(cm, "data", "config.yaml")
	mountDir := ""
	for _, v := range dig(pod, "volumes").([]any) {
		if str(v, "configMap", "name") == str(cm, "metadata", "name") {
			for _, m := range dig(ctr, "volumeMounts").([]any) {
				if str(m, "name") == str(v, "name") {
					mountDir = str(m, "mountPath")
				}
			}
		}
	}
	if want := filepath.Join(mountDir, "config.yaml"); mountDir == "" || flags["config"] != want {
		t.Errorf("--config %q, the ConfigMap is mounted at %q", flags["config"], mountDir)
	}

	// Environment: the API key from the Secret; the rest literal or from
	// the pod's fields.
	sec := objs["Secret"]
	env := map[string]string{}
	for _, e := range dig(ctr, "env").([]any) {
		name := str(e, "name")
		switch {
		case str(e, "valueFrom", "secretKeyRef", "name") != "":
			if str(e, "valueFrom", "secretKeyRef", "name") != str(sec, "metadata", "name") ||
				str(sec, "stringData", str(e, "valueFrom", "secretKeyRef", "key")) == "" {
				t.Errorf("env %s refers to a Secret key that k8s/secret.yaml does not hold", name)
			}
			env[name] = "placeholder-key"
		case str(e, "valueFrom", "fieldRef", "fieldPath") != "":
			env[name] = "campaignflow-7d9f8-abcde"
		default:
			env[name] = str(e, "value")
		}
	}
	if _, ok := env["CHATINC_API_KEY"]; !ok || str(dig(ctr, "env"), "0", "valueFrom", "secretKeyRef", "name") == "" {
		t.Error("CHATINC_API_KEY does not come from the Secret")
	}
	cfgEnv := map[string]string{}
	for k, v := range env {
		if !strings.HasPrefix(k, "OTEL_") {
			cfgEnv[k] = v
		}
	}
	cfg, err := loadWithEnv(t, cfgText, cfgEnv)
	if err != nil {
		t.Fatalf("the ConfigMap's config.yaml with the Deployment's environment does not validate:\n%v", err)
	}
	if cfg.SandboxMode() || cfg.EmbeddedNATS() {
		t.Error("the Kubernetes config runs the sandbox or an embedded NATS")
	}
	if cfg.NATS.Replicas != 3 {
		t.Errorf("nats.replicas %d, want 3 on the Helm chart's 3-node cluster", cfg.NATS.Replicas)
	}
	if _, p, _ := strings.Cut(cfg.HTTPAddr, ":"); p != port {
		t.Errorf("config http_addr %q, the container port is %s", cfg.HTTPAddr, port)
	}

	// Shutdown: the kubelet waits longer than the worker's drain.
	tgps, err := strconv.Atoi(str(pod, "terminationGracePeriodSeconds"))
	if err != nil {
		t.Fatalf("terminationGracePeriodSeconds: %v", err)
	}
	for _, grace := range slices.Compact([]time.Duration{cfg.Consumer.Grace, config.Defaults().Consumer.Grace}) {
		if time.Duration(tgps)*time.Second <= grace+shutdownMargin {
			t.Errorf("terminationGracePeriodSeconds %d is not above consumer.grace %s + %s", tgps, grace, shutdownMargin)
		}
	}

	// Service, PDB, ServiceMonitor.
	svc := objs["Service"]
	matches("Service", dig(svc, "spec", "selector"))
	if str(svc, "spec", "ports", "0", "name") != "http" || str(svc, "spec", "ports", "0", "targetPort") != "http" {
		t.Errorf("the Service's port is not named http targeting http: %v", dig(svc, "spec", "ports"))
	}
	matches("PodDisruptionBudget", dig(objs["PodDisruptionBudget"], "spec", "selector", "matchLabels"))
	if str(objs["PodDisruptionBudget"], "spec", "minAvailable") == "" && str(objs["PodDisruptionBudget"], "spec", "maxUnavailable") == "" {
		t.Error("the PodDisruptionBudget sets no budget")
	}
	sm := objs["ServiceMonitor"]
	for k, v := range dig(sm, "spec", "selector", "matchLabels").(map[string]any) {
		if dig(svc, "metadata", "labels", k) != v {
			t.Errorf("the ServiceMonitor selects %s=%v, the Service has %v", k, v, dig(svc, "metadata", "labels", k))
		}
	}
	if p := str(sm, "spec", "endpoints", "0", "path"); str(sm, "spec", "endpoints", "0", "port") != "http" || p != "/metrics" || !bin.paths[p] {
		t.Errorf("the ServiceMonitor scrapes %v, want port http path /metrics", dig(sm, "spec", "endpoints"))
	}
}

// TestHelmNATSValues: the NATS chart values ask for a 3-node cluster with
// JetStream on persistent file storage, fsync on every write.
func TestHelmNATSValues(t *testing.T) {
	t.Chdir(deployDir)
	v := yamlDoc(t, "helm/nats-values.yaml")
	for path, want := range map[string]string{
		"config.cluster.enabled":                  "true",
		"config.cluster.replicas":                 "3",
		"config.jetstream.enabled":                "true",
		"config.jetstream.fileStore.enabled":      "true",
		"config.jetstream.fileStore.pvc.enabled":  "true",
		"config.jetstream.merge.sync_interval":    "always",
		"config.jetstream.memoryStore.enabled":    "false",
		"podDisruptionBudget.enabled":             "true",
		"config.jetstream.fileStore.pvc.size":     "10Gi",
		"container.merge.resources.requests.cpu":  "250m",
		"config.monitor.enabled":                  "true",
		"promExporter.enabled":                    "true",
		"promExporter.podMonitor.enabled":         "true",
		"container.merge.resources.limits.memory": "1Gi",
	} {
		if got := str(v, strings.Split(path, ".")...); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}
