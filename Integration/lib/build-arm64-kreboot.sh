#!/usr/bin/env bash
# Builds kreboot for aarch64 (Debian 12 arm64) on this x86_64 host, for the arm64 guest (issue 18), into OUT
# (default .build/aarch64/kreboot of the repository). Swift for aarch64 comes only from Debian trixie's
# swiftlang 6.0.3, so:
#   1. the cross toolchain (arm64-toolchain.sh: a trixie chroot with swiftlang, the arm64 runtime, a bookworm arm64
#      sysroot) is built once and cached in $KREBOOT_IT_CACHE/arm64-toolchain-<hash of its recipe>;
#   2. the repository's sources and the two dependencies (from .build/checkouts, as `make release` resolved them)
#      are copied into the chroot's /src and made to build with Swift 6.0 (arm64/swift60-compat.py: the copy only);
#   3. `swift build --destination arm64/destination.json -c release --static-swift-stdlib` in the chroot, unless the
#      cache already holds the binary of exactly these sources (kreboot-<hash of the patched copy>).
# Usage (as root): build-arm64-kreboot.sh [OUT]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${1:-$REPO/.build/aarch64/kreboot}
CACHE=${KREBOOT_IT_CACHE:-/var/cache/kreboot-it}
SWIFT=${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}
log() { echo "build-arm64-kreboot: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "must run as root (chroot)"; exit 1; }
command -v python3 >/dev/null || { log "python3 missing (make deps)"; exit 1; }

recipe=$(cat "$HERE/arm64-toolchain.sh" "$HERE/arm64/glibc-compat.c" "$HERE/arm64/destination.json" | sha256sum | cut -c1-16)
TOOLCHAIN=$CACHE/arm64-toolchain-$recipe
ROOT=$TOOLCHAIN/root
mkdir -p "$CACHE"
exec 9>"$CACHE/arm64-toolchain.lock"
flock 9
[ ! -d "$TOOLCHAIN" ] || touch "$TOOLCHAIN"  # in use: the guest cache prunes what is unused for days
if [ ! -e "$TOOLCHAIN/toolchain.json" ]; then
	start=$(date +%s)
	rm -rf "$TOOLCHAIN.partial"
	"$HERE/arm64-toolchain.sh" "$TOOLCHAIN.partial"
	rm -rf "$TOOLCHAIN" && mv "$TOOLCHAIN.partial" "$TOOLCHAIN"
	log "toolchain built in $(($(date +%s) - start)) s: $TOOLCHAIN"
fi

# The dependencies as the host build resolved them.
if [ ! -d "$REPO/.build/checkouts/swift-system" ] || [ ! -d "$REPO/.build/checkouts/swift-argument-parser" ]; then
	(cd "$REPO" && "$SWIFT" package resolve)
fi

# A staging copy (sources, patched), synced into the chroot by content so unchanged files keep their times.
STAGE=$TOOLCHAIN/stage
rm -rf "$STAGE" && mkdir -p "$STAGE/kreboot" "$STAGE/deps"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$STAGE/kreboot" 2>/dev/null || true)
for dep in swift-system swift-argument-parser; do
	(cd "$REPO/.build/checkouts/$dep" && git ls-files -z | xargs -0 cp --parents -t "$STAGE/deps/$dep" 2>/dev/null ||
		cp -a . "$STAGE/deps/$dep")
done
python3 "$HERE/arm64/swift60-compat.py" "$STAGE/kreboot" "$STAGE/deps"
sources=$(cd "$STAGE" && find kreboot/Package.swift kreboot/Sources deps -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
BUILT=$TOOLCHAIN/kreboot-$sources
if [ -x "$BUILT" ]; then
	rm -rf "$STAGE"
	mkdir -p "$(dirname "$OUT")"
	cp "$BUILT" "$OUT"
	log "$OUT: the cached build of these sources ($BUILT)"
	exit 0
fi
mkdir -p "$ROOT/src"
for part in kreboot deps; do
	mkdir -p "$ROOT/src/$part"
	(cd "$STAGE/$part" && find . -type f | while read -r f; do
		cmp -s "$f" "$ROOT/src/$part/$f" || { mkdir -p "$ROOT/src/$part/$(dirname "$f")" && cp "$f" "$ROOT/src/$part/$f"; }
	done)
	(cd "$ROOT/src/$part" && find . -type f | while read -r f; do [ -e "$STAGE/$part/$f" ] || rm -f "$f"; done)
done
rm -rf "$STAGE"

start=$(date +%s)
log "swift build (Swift 6.0.3, aarch64-unknown-linux-gnu) in $ROOT"
unshare --mount --fork chroot "$ROOT" /bin/sh -c '
  mount -t proc proc /proc; mount -t tmpfs tmpfs /tmp
  export PKG_CONFIG_SYSROOT_DIR=/opt/sysroot-arm64
  export PKG_CONFIG_LIBDIR=/opt/sysroot-arm64/usr/lib/aarch64-linux-gnu/pkgconfig:/opt/sysroot-arm64/usr/share/pkgconfig
  cd /src/kreboot && swift build --destination /opt/destination.json -c release --static-swift-stdlib \
    --product kreboot --scratch-path /src/.build 2>&1' >"$TOOLCHAIN/build.log" ||
	{ grep -E 'error:' "$TOOLCHAIN/build.log" | head -20 >&2; tail -5 "$TOOLCHAIN/build.log" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
rm -f "$TOOLCHAIN"/kreboot-*
cp "$ROOT/src/.build/aarch64-unknown-linux-gnu/release/kreboot" "$BUILT"
cp "$BUILT" "$OUT"
log "$OUT: $(file -b "$OUT" | cut -d, -f1-2), built in $(($(date +%s) - start)) s"
