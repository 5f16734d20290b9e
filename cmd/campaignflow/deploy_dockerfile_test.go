package main_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
)

// dockerInstruction is one Dockerfile instruction, continuation lines joined.
type dockerInstruction struct {
	op, args string
}

// readDockerfile splits a Dockerfile into instructions.
func readDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstruction{op: strings.ToUpper(op), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// execForm decodes an exec-form (JSON array) argument list.
func execForm(t *testing.T, what, s string) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%s %s is not in exec form (a JSON array; distroless has no shell): %v", what, s, err)
	}
	return out
}

// TestDockerfile: a multi-stage static build onto distroless nonroot whose
// ENTRYPOINT, CMD and HEALTHCHECK are real campaignflow command lines that
// serve and probe the port and paths the binary uses.
func TestDockerfile(t *testing.T) {
	t.Chdir(deployDir)
	bin := readBinary(t)
	var (
		froms                  []string
		entry, cmd, healthArgs []string
		build, user            string
	)
	for _, in := range readDockerfile(t, "Dockerfile") {
		switch in.op {
		case "FROM":
			froms = append(froms, in.args)
		case "RUN":
			if strings.Contains(in.args, "go build") {
				build = in.args
			}
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = execForm(t, "ENTRYPOINT", in.args)
		case "CMD":
			cmd = execForm(t, "CMD", in.args)
		case "HEALTHCHECK":
			_, after, ok := strings.Cut(in.args, "CMD ")
			if !ok {
				t.Fatalf("HEALTHCHECK %q has no CMD", in.args)
			}
			healthArgs = execForm(t, "HEALTHCHECK CMD", after)
		}
	}
	if len(froms) < 2 || !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("stages %v: want a golang:1.26 builder and a runtime stage", froms)
	}
	if last := froms[len(froms)-1]; last != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("runtime image %q, want gcr.io/distroless/static-debian12:nonroot", last)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/campaignflow", "-o /out/campaignflow"} {
		if !strings.Contains(build, want) {
			t.Errorf("the go build step lacks %q: %s", want, build)
		}
	}
	if user != "nonroot:nonroot" && user != "65532:65532" && user != "nonroot" {
		t.Errorf("USER %q: want nonroot", user)
	}
	if len(entry) != 1 || entry[0] != "/campaignflow" {
		t.Errorf("ENTRYPOINT %v, want [/campaignflow]", entry)
	}
	flags := bin.checkCommandLine(t, "CMD", cmd)
	if cmd[0] != "run" {
		t.Errorf("CMD %v does not run the worker", cmd)
	}
	if port := portOf(t, "CMD --http-addr", flags["http-addr"]); port != bin.httpPort {
		t.Errorf("CMD serves on port %s, the binary's default is %s", port, bin.httpPort)
	}
	if len(healthArgs) < 2 || healthArgs[0] != "/campaignflow" {
		t.Fatalf("HEALTHCHECK %v does not run /campaignflow", healthArgs)
	}
	hflags := bin.checkCommandLine(t, "HEALTHCHECK", healthArgs[1:])
	if healthArgs[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK runs %q, want healthcheck", healthArgs[1])
	}
	u, err := url.Parse(hflags["url"])
	if err != nil || u.Port() != bin.httpPort || !bin.paths[u.Path] || u.Path != "/readyz" {
		t.Errorf("HEALTHCHECK --url %q: want /readyz on port %s (served: %v)", hflags["url"], bin.httpPort, keys(bin.paths))
	}
	if _, err := os.Stat("Dockerfile.dockerignore"); err != nil {
		t.Errorf("no Dockerfile.dockerignore (the context is the repo root): %v", err)
	}
}
