# StudyFlow — make targets. 'make run' and 'make test' do all set-up on a fresh Debian machine.
SWIFT   ?= swift
PREFIX  ?= /usr/local
RELEASE := .build/release/studyflow
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build run test test-integration bench install deps clean check-r screenshot slurm-up slurm-down

all: build

## deps: install the Debian packages the build needs (when missing)
deps:
	@bash scripts/deps.sh

## build: release build of the studyflow executable. On Linux it is linked by the toolchain's lld
## with its ~90,000 relative relocations packed (DT_RELR, glibc ≥ 2.36 as in Debian 12; gold, the
## default, cannot): 2.1 MB of `.rela.dyn` that every command read at start-up become 18 kB, and
## every process starts with ~2 MiB less resident memory.
RELR    := $(shell [ "$$(uname -s)" = Linux ] && echo -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs)
build: deps
	$(SWIFT) build -c release --product studyflow --static-swift-stdlib $(RELR)

## run: build, then run the default study in Workflows/
run: build
	$(RELEASE) run -j $(JOBS)
	@echo "report: results/liver-metastasis/report.html (results in results/liver-metastasis/)"

## test: build and run every unit and end-to-end test
test: deps
	$(SWIFT) build --build-tests
	STUDYFLOW_BINARY=$(CURDIR)/.build/debug/studyflow $(SWIFT) test --skip-build --parallel

## test-integration: tests against real external systems: a real SLURM cluster, headless Chromium, the RO-Crate validator
test-integration: build
	bash scripts/test-integration.sh $(RELEASE)

## bench: studyflow vs make and ninja on generated workflows, then each section in bench/sections/
## (survival vs R and lifelines, simulation, reports, SLURM); not a test, prints tables
bench: build
	STUDYFLOW=$(CURDIR)/$(RELEASE) bash bench/run.sh
	@for s in bench/sections/*.sh; do [ -e "$$s" ] || continue; STUDYFLOW=$(CURDIR)/$(RELEASE) bash "$$s" || exit 1; done

## screenshot: run the flagship study and render the top of its report to docs/report.png (README)
screenshot: build
	$(RELEASE) run -j $(JOBS)
	bash scripts/render-report.sh results/liver-metastasis/report.html docs/report.png 900 2300

## check-r: re-run the committed R reference scripts (Tests/StudyStatsTests/Reference/*.R) and check their
## JSON equals the committed files, then recompute the flagship's survival numbers with R and compare
## (R installed when missing)
check-r:
	bash scripts/check-with-r/run.sh

## slurm-up: start a one-node SLURM cluster here (installs slurm-wlm and munge when missing); then
## 'eval $$(scripts/slurm.sh env)' and 'studyflow run --executor slurm'
slurm-up:
	@bash scripts/slurm.sh up

## slurm-down: stop the SLURM daemons slurm-up started
slurm-down:
	@bash scripts/slurm.sh down

## install: copy studyflow to $(PREFIX)/bin
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/studyflow

clean:
	rm -rf .build results
