# campaignflow — see README.md
GO        ?= go
BIN       ?= bin/campaignflow
PKGS      ?= ./...
FUZZTIME  ?= 10s

.PHONY: all build test test-cluster demo bench lint fuzz clean

all: build

build: ## build the campaignflow binary into bin/
	$(GO) build -o $(BIN) ./cmd/campaignflow

test: ## vet and run every test with the race detector
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test-cluster: ## the cluster fault suite: 3 nats-server processes, sandbox, 3 workers, kill -9 / SIGSTOP of leaders, network partitions (~4 min)
	$(GO) test -tags clustersuite -count=1 -timeout 10m -v -run TestClusterFaults ./cmd/campaignflow/internal/worker/clustersuite/

demo: ## run the whole loop once on embedded NATS and the Chat Inc sandbox
	$(GO) run ./cmd/campaignflow demo

bench: ## run the Go benchmarks (numbers quoted in README.md)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x $(PKGS)

lint: ## gofmt + go vet (+ staticcheck when installed)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet $(PKGS)
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); else echo "staticcheck not installed: go install honnef.co/go/tools/cmd/staticcheck@latest"; fi

fuzz: ## short runs of every fuzz target
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin data
