#!/usr/bin/env bash
# Builds the cross toolchain that compiles kreboot for aarch64 on an x86_64 Debian 12 host, into OUT_DIR
# (must not exist yet). Only Debian's mirror is used:
#   root/                      a Debian 13 (trixie) amd64 chroot (debootstrap) with trixie's swiftlang (Swift 6.0.3):
#                              bookworm has no Swift, and trixie's compiler needs glibc 2.38, so it runs in the chroot
#   root/opt/swift-arm64/lib   swift_static and clang of trixie's swiftlang for arm64 (the aarch64 runtime and
#                              Foundation, linked statically into kreboot)
#   root/opt/sysroot-arm64     Debian 12 (bookworm) arm64 headers and libraries (glibc 2.36, libmount, libsystemd,
#                              libelf, zlib): kreboot runs on Debian 12 arm64, so it links against those
#   root/opt/compat            glibc-compat.a: the four glibc 2.38 symbols trixie's arm64 runtime calls
#   toolchain.json             what went in (package versions)
# Nothing is installed on the host; the trixie packages go into the chroot only. Usage (as root):
#   arm64-toolchain.sh OUT_DIR       (about 5 minutes and 2.7 GB; build-arm64-kreboot.sh caches it)
set -euo pipefail

OUT=${1:?usage: arm64-toolchain.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=http://deb.debian.org/debian
log() { echo "arm64-toolchain: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "must run as root (debootstrap, chroot)"; exit 1; }
for tool in debootstrap apt-get dpkg-deb unshare chroot; do
	command -v "$tool" >/dev/null || { log "$tool missing (make deps)"; exit 1; }
done
[ ! -e "$OUT" ] || { log "$OUT already exists"; exit 1; }
mkdir -p "$OUT"
ROOT=$OUT/root
in_root() { unshare --mount --fork chroot "$ROOT" /bin/sh -c "mount -t proc proc /proc; mount -t tmpfs tmpfs /tmp; $1"; }

log "debootstrap trixie (amd64) into $ROOT"
debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
	{ tail -20 "$OUT/debootstrap.log" >&2; exit 1; }

log "swiftlang (amd64) in the chroot; swiftlang (arm64) downloaded and unpacked"
in_root "set -e; dpkg --add-architecture arm64; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends swiftlang libc6-dev pkg-config >/dev/null
  cd /tmp && apt-get download -qq swiftlang:arm64 2>/dev/null
  mkdir -p /tmp/arm64 /opt/swift-arm64/lib && dpkg-deb -x swiftlang_*_arm64.deb /tmp/arm64
  cp -a /tmp/arm64/usr/libexec/swift/lib/swift_static /tmp/arm64/usr/libexec/swift/lib/clang /opt/swift-arm64/lib/
  apt-get clean"

log "Debian 12 arm64 sysroot"
APT_DIR=$OUT/apt-bookworm-arm64
mkdir -p "$APT_DIR"/{etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,state/lists/partial,cache/archives/partial,debs}
touch "$APT_DIR/state/status"
echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm main" >"$APT_DIR/etc/sources.list"
cat >"$APT_DIR/apt.conf" <<EOF
Dir::Etc "$APT_DIR/etc";
Dir::Etc::sourcelist "$APT_DIR/etc/sources.list";
Dir::Etc::sourceparts "$APT_DIR/etc/sources.list.d";
Dir::State "$APT_DIR/state";
Dir::State::status "$APT_DIR/state/status";
Dir::Cache "$APT_DIR/cache";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Acquire::Languages "none";
EOF
export APT_CONFIG=$APT_DIR/apt.conf
apt-get update -qq
# Every package the -dev packages need, as apt resolves them from nothing installed.
mapfile -t SYSROOT_PACKAGES < <(apt-get -s install --no-install-recommends \
	libc6-dev libgcc-12-dev libstdc++-12-dev libmount-dev libsystemd-dev libelf-dev zlib1g-dev |
	awk '/^Inst /{print $2}')
(cd "$APT_DIR/debs" && apt-get download -qq "${SYSROOT_PACKAGES[@]}" 2>/dev/null)
SYSROOT=$ROOT/opt/sysroot-arm64
mkdir -p "$SYSROOT"
for deb in "$APT_DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$SYSROOT"; done
# Merged /usr, and every absolute symlink made relative so the linker stays inside the sysroot.
if [ -d "$SYSROOT/lib" ] && [ ! -L "$SYSROOT/lib" ]; then
	cp -a "$SYSROOT/lib/." "$SYSROOT/usr/lib/" && rm -rf "$SYSROOT/lib" && ln -s usr/lib "$SYSROOT/lib"
fi
find "$SYSROOT" -type l -lname '/*' | while read -r link; do
	ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$SYSROOT$(readlink "$link")")" "$link"
done
unset APT_CONFIG

log "glibc 2.38 compatibility archive"
mkdir -p "$ROOT/opt/compat"
cp "$HERE/arm64/glibc-compat.c" "$ROOT/opt/compat/"
in_root "set -e; cd /opt/compat
  /usr/libexec/swift/bin/clang --target=aarch64-linux-gnu --sysroot=/opt/sysroot-arm64 -O2 -fPIC -c glibc-compat.c -o glibc-compat.o
  /usr/libexec/swift/bin/llvm-ar rcs libglibc-compat.a glibc-compat.o"
cp "$HERE/arm64/destination.json" "$ROOT/opt/destination.json"

swift_version=$(in_root "dpkg-query -W -f '\${Version}' swiftlang")
libc_version=$(dpkg-deb -f "$(ls "$APT_DIR"/debs/libc6_*.deb)" Version)
printf '{"swiftlang": "%s", "sysrootLibc6": "%s", "sysrootPackages": %d}\n' \
	"$swift_version" "$libc_version" "${#SYSROOT_PACKAGES[@]}" >"$OUT/toolchain.json"
rm -rf "$APT_DIR"
log "done: $(cat "$OUT/toolchain.json")"
