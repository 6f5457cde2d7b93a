# kreboot — the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
SWIFT ?= $(shell command -v swift || echo /opt/swift/usr/bin/swift)
# Debian packages the build and the tests need; installed by `make deps` when missing.
BUILD_PACKAGES := libmount-dev libsystemd-dev libelf-dev pkg-config
# libcurl (opened at run time) for ftp dump targets and the mail after a dump; its tests upload through file://.
BUILD_PACKAGES += libcurl4
IT_PACKAGES := qemu-system-x86 qemu-utils debootstrap debian-archive-keyring e2fsprogs fdisk makedumpfile cpio python3
# Fleets (issue 17): the plan schema check (Debian's jsonschema, run by /usr/bin/python3) and the `fleet`
# scenario (Ansible from Debian's ansible-core, driving the guests over ssh; kmod resolves the NIC modules).
IT_PACKAGES += python3-jsonschema ansible-core ansible-lint openssh-client kmod
# arm64 (issue 18): the arm64 guest (qemu-system-aarch64), its debootstrap second stage through binfmt_misc.
IT_PACKAGES += qemu-system-arm qemu-user-static binfmt-support
# arm64-kdump: the capture-capable arm64 kernel (Debian has none with KEXEC_FILE), cross-built from Debian's source;
# installed by `make test-arm64` only (about 250 MB that make test does not need).
ARM64_KERNEL_PACKAGES := linux-source-6.1 gcc-aarch64-linux-gnu bc flex bison libssl-dev
# UEFI (issue 14): OVMF for the uefi guest, mtools/dosfstools to make and fill its ESP (the host kernel has no vfat),
# sbsigntool (sbattach) for the unsigned kernel, binutils (objcopy) for the UKI.
IT_PACKAGES += ovmf mtools dosfstools sbsigntool binutils
# The server flavor (issue 13): /var (xfs) and /home (btrfs) are made as image files on the host.
IT_PACKAGES += xfsprogs btrfs-progs zstd
BIN := .build/release/kreboot

.PHONY: all deps build release unit integration integration-selftest bench test demo clean

all: build

deps:
	@missing=$$(for p in $(BUILD_PACKAGES) $(IT_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product kreboot

unit: deps
	$(SWIFT) test
	$(MAKE) fuzz-smoke

# Fuzzing (issue 12): a deterministic mutation driver over every parser of files kreboot does not control,
# seeded from Tests/*/Fixtures and built-in headers. A crash leaves its input in .build/fuzz-crashes/TARGET.current.
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-smoke
fuzz: deps
	$(SWIFT) build --product kreboot-fuzz
	.build/debug/kreboot-fuzz --seconds $(FUZZ_SECONDS) --fixtures Tests

# The short pass `make unit` runs: at most 150 inputs or 10 s per target (under 90 s in all).
fuzz-smoke: deps
	$(SWIFT) build --product kreboot-fuzz
	.build/debug/kreboot-fuzz --runs 150 --seconds 10 --fixtures Tests

# The same targets under libFuzzer (coverage-guided; not part of `make test` or `make unit`): built with Swift's
# -sanitize=fuzzer in its own build directory, one target at a time (LIBFUZZER_TARGET, or each of
# LIBFUZZER_TARGETS), seeded from the same fixtures and built-in seeds, LIBFUZZER_SECONDS per target.
# The corpus grows in .build-libfuzzer/corpus/TARGET; a crash is written to .build-libfuzzer/crashes/.
LIBFUZZER_SECONDS ?= 60
LIBFUZZER_TARGETS ?= grub-cfg grubenv bls-loader-conf mountinfo kdump-config proc-files kernel-image vmcore
LIBFUZZER_TARGET ?=
LIBFUZZER_BIN = .build-libfuzzer/debug/kreboot-libfuzzer
.PHONY: fuzz-libfuzzer
fuzz-libfuzzer: deps
	$(SWIFT) build --scratch-path .build-libfuzzer --product kreboot-libfuzzer -Xswiftc -sanitize=fuzzer -Xswiftc -DKREBOOT_LIBFUZZER
	mkdir -p .build-libfuzzer/crashes
	set -e; for t in $(or $(LIBFUZZER_TARGET),$(LIBFUZZER_TARGETS)); do \
	  KREBOOT_FUZZ_TARGET=$$t KREBOOT_FUZZ_SEEDS=.build-libfuzzer/seeds/$$t KREBOOT_FUZZ_FIXTURES=Tests $(LIBFUZZER_BIN); \
	  mkdir -p .build-libfuzzer/corpus/$$t; \
	  KREBOOT_FUZZ_TARGET=$$t $(LIBFUZZER_BIN) -max_total_time=$(LIBFUZZER_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=.build-libfuzzer/crashes/$$t- -print_final_stats=1 \
	    .build-libfuzzer/corpus/$$t .build-libfuzzer/seeds/$$t; \
	done

integration: release
	Integration/run

# The integration harness against a shell stand-in for kreboot (proves the harness, not kreboot).
integration-selftest:
	Integration/run --kreboot Integration/lib/selftest/fake-kreboot smoke manual-kexec dirty-control dry-run cross-version
	python3 Integration/lib/selftest/test_bench_kdump_peer.py

# The arm64 scenarios (issue 18), not part of `make test`: on a fresh machine their cross toolchain, the aarch64
# build and the arm64 image take about 45 minutes once, arm64-kdump's kernel 14 min more on a quiet host, an hour on a
# busy one (all cached in /var/cache/kreboot-it afterwards).
.PHONY: test-arm64
test-arm64: EXTRA_PACKAGES = $(ARM64_KERNEL_PACKAGES)
test-arm64: release
	Integration/run arm64-reboot arm64-kdump-refusal arm64-refusals arm64-kdump

# The UEFI scenarios alone (issue 14; also in `make test`), and the server guest (issue 13), not yet part of
# `make test`: its image takes 12-22 min to build once on a fresh machine and its boots through initramfs another
# 15 min; it passed when run by name (Integration/README.md has the times). server-kdump-all (issue 15: kdump
# armed by kreboot's service, a sysrq panic, kreboot --test-kdump with kreboot's and with kdump-tools' capture
# kernel) adds about 25 min; kdump-tools comes from .debs fetched once with apt-get download (no image rebuild).
# The network dump scenarios (issue 16), not part of `make test`: each boots two guests and a capture boot
# under systemd, 4-7 min each on a loaded 2-core host (Integration/README.md has the times).
.PHONY: test-netdump
test-netdump: release
	Integration/run netdump-nfs netdump-unreachable netdump-sftp netdump-cifs netdump-ftp kdump-notify

.PHONY: test-uefi test-server
test-uefi: release
	Integration/run uefi-lockdown-refusal uefi-secure-boot uefi-systemd-boot uefi-one-shot uefi-kdump
# deb (which builds release): server-kdump-all installs kreboot's .deb beside kdump-tools.
test-server: deb
	Integration/run server-all server-kdump-all

# Reboot timings in the guest: Integration/out/bench.json (RUNS=5 by default); then the soak of SOAK
# consecutive kreboot reboots (20 by default; CI runs 5), each checked clean with its data kept.
RUNS ?= 5
SOAK ?= 20
bench: release
	Integration/bench --runs $(RUNS)
	KREBOOT_IT_SOAK=$(SOAK) Integration/run soak

test: unit integration

# The main job: kreboot's plan for this machine (nothing is changed), then a real kreboot reboot in a qemu
# guest, step by step with times, beside a firmware reboot of the same guest.
demo: release
	@echo "== kreboot --dry-run on this machine (nothing is changed; exit status $$( $(BIN) --dry-run >/dev/null 2>&1; echo $$?)) =="
	-$(BIN) --dry-run
	@echo
	Integration/demo

clean:
	rm -rf .build

# --- Packaging (issue 7): kreboot(8), shell completions, the Debian package --------------------------------
# Generated from the release binary's --help, not committed (packaging/generate-docs.sh says how).
BUILD_PACKAGES += man-db groff-base dpkg-dev lintian
DOCS := .build/docs
DEB_VERSION = $(shell dpkg-parsechangelog -l packaging/debian/changelog -S Version)
DEB := .build/deb/kreboot_$(DEB_VERSION)_$(shell dpkg --print-architecture).deb

.PHONY: man completions deb docs-check deb-check journal-check

# $(DOCS)/kreboot.8 and $(DOCS)/completions/{kreboot.bash,_kreboot,kreboot.fish}
man: release
	packaging/generate-docs.sh $(BIN) $(DOCS)
	@echo "read it with: man -l $(DOCS)/kreboot.8"

completions: man

# .build/deb/kreboot_<version>_<arch>.deb from the release build (about 5 s when the release build is current).
deb: release
	packaging/build-deb.sh --no-build

# The page renders without warnings and names every subcommand; bash completes (about 5 s).
docs-check: man
	packaging/check-docs.sh $(BIN) $(DOCS)

# dpkg-deb --info/--contents, the packaged binary, lintian without errors (about 15 s).
deb-check: deb
	packaging/check-deb.sh $(DEB)

# kreboot --dry-run sends its `planned` record to a stand-in journald in a private mount namespace (1 s).
journal-check: release
	packaging/check-journal.sh $(BIN)

test: docs-check deb-check journal-check

# --- Fleets (issue 17): the plan JSON schema against real plans -------------------------------------------
# Every fixture tree's dry run validated against schema/plan-v1.schema.json with jsonschema and with the
# Ansible collection's own validator; plans broken on purpose rejected (about 2 s).
.PHONY: schema-check
schema-check: release
	/usr/bin/python3 schema/check-plans --kreboot $(BIN)

test: schema-check

# The collection builds with ansible-galaxy, installs from its tarball, and ansible-doc reads its modules and
# role from the installed copy (a few seconds).
.PHONY: collection-check
collection-check: deps
	ansible/check-collection

test: collection-check
