#!/bin/bash
# Builds the Debian package .build/deb/kreboot_<version>_<arch>.deb with dpkg-deb (no debhelper, no network):
#   /usr/sbin/kreboot                                   the release binary (Swift stdlib linked statically)
#   /usr/share/man/man8/kreboot.8.gz                    generated from --help (generate-docs.sh)
#   /usr/share/bash-completion/completions/kreboot      \
#   /usr/share/zsh/vendor-completions/_kreboot           > kreboot --generate-completion-script
#   /usr/share/fish/vendor_completions.d/kreboot.fish   /
#   /lib/systemd/system/kreboot-save-dump.service       dist/, installed but not enabled
#   /lib/systemd/system/kreboot-verify.service          dist/, enabled (runs `kreboot status --record` once per boot)
#   /lib/systemd/system/kreboot-kdump.{service,path}    dist/, installed but not enabled (arms kdump at boot)
#   /lib/systemd/system/kreboot-kdump-reload.service    dist/, started by kreboot-kdump.path
#   /lib/systemd/system/{kdump-tools,kdump}.service.d/kreboot.conf  dist/kdump-keep-armed.conf: IgnoreOnIsolate=yes
#   /usr/share/doc/kreboot/{copyright,changelog.Debian.gz,README.Debian}
# Depends comes from dpkg-shlibdeps on the binary, plus makedumpfile (save-dump runs it).
# The release build is incremental: rerunning after a source change rebuilds only what changed.
# Usage: packaging/build-deb.sh [--no-build]   (--no-build: package .build/release/kreboot as it is)
#        DEB_XZ_LEVEL=6 packaging/build-deb.sh   (smaller package, 20 s more)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cd "$repo"
swift=${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}
debian=$here/debian

if [ "${1:-}" != "--no-build" ]; then
    "$swift" build -c release --static-swift-stdlib --product kreboot
fi
binary=$("$swift" build -c release --show-bin-path)/kreboot
[ -x "$binary" ] || { echo "build-deb.sh: $binary: not built" >&2; exit 1; }

version=$(dpkg-parsechangelog -l "$debian/changelog" -S Version)
upstream=${version%-*}
built=$("$binary" --version)
if [ "$built" != "$upstream" ]; then
    echo "build-deb.sh: $binary --version says $built, packaging/debian/changelog says $upstream: add a changelog entry" >&2
    exit 1
fi
arch=$(dpkg --print-architecture)

# The binary must need only libraries Debian ships (no libswiftCore.so and friends).
if ldd "$binary" | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|not found'; then
    echo "build-deb.sh: $binary is not self-contained:" >&2
    ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime|not found' >&2
    exit 1
fi

out=.build/deb
stage=$out/stage
docs=$out/docs
rm -rf "$stage" "$docs"
mkdir -p "$stage/DEBIAN"

"$here/generate-docs.sh" "$binary" "$docs"

install -D -m 0755 "$binary" "$stage/usr/sbin/kreboot"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/sbin/kreboot"
install -D -m 0644 "$docs/kreboot.8" "$stage/usr/share/man/man8/kreboot.8"
gzip -9n "$stage/usr/share/man/man8/kreboot.8"
# A completion script is sourced, not run: no #! line (lintian: bash-completion-with-hashbang).
install -d "$stage/usr/share/bash-completion/completions"
sed '1{/^#!/d}' "$docs/completions/kreboot.bash" > "$stage/usr/share/bash-completion/completions/kreboot"
chmod 0644 "$stage/usr/share/bash-completion/completions/kreboot"
install -D -m 0644 "$docs/completions/_kreboot" "$stage/usr/share/zsh/vendor-completions/_kreboot"
install -D -m 0644 "$docs/completions/kreboot.fish" "$stage/usr/share/fish/vendor_completions.d/kreboot.fish"
install -D -m 0644 dist/kreboot-save-dump.service "$stage/lib/systemd/system/kreboot-save-dump.service"
install -D -m 0644 dist/kreboot-verify.service "$stage/lib/systemd/system/kreboot-verify.service"
for unit in kreboot-kdump.service kreboot-kdump.path kreboot-kdump-reload.service; do
    install -D -m 0644 "dist/$unit" "$stage/lib/systemd/system/$unit"
done
for unit in kdump-tools.service kdump.service; do
    install -D -m 0644 dist/kdump-keep-armed.conf "$stage/lib/systemd/system/$unit.d/kreboot.conf"
done
install -D -m 0644 "$debian/copyright" "$stage/usr/share/doc/kreboot/copyright"
install -D -m 0644 "$debian/README.Debian" "$stage/usr/share/doc/kreboot/README.Debian"
install -D -m 0644 "$debian/changelog" "$stage/usr/share/doc/kreboot/changelog.Debian"
gzip -9n "$stage/usr/share/doc/kreboot/changelog.Debian"
install -D -m 0644 "$debian/lintian-overrides" "$stage/usr/share/lintian/overrides/kreboot"
install -m 0755 "$debian/postinst" "$debian/postrm" "$stage/DEBIAN/"

# Shared-library dependencies, as debhelper's ${shlibs:Depends} would compute them.
shlibs_dir=$out/shlibs
rm -rf "$shlibs_dir"
mkdir -p "$shlibs_dir/debian"
printf 'Source: kreboot\n\nPackage: kreboot\nArchitecture: any\n' > "$shlibs_dir/debian/control"
shlibs=$(cd "$shlibs_dir" && dpkg-shlibdeps -O "$repo/$stage/usr/sbin/kreboot" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@SHLIBS_DEPENDS@/$shlibs/" "$debian/control.in" > "$stage/DEBIAN/control"
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

# xz -1: 2.5 s instead of 20 s for the default level 6, for an 18 MB instead of a 15 MB package.
deb=$out/kreboot_${version}_${arch}.deb
SOURCE_DATE_EPOCH=$(date -d "$(dpkg-parsechangelog -l "$debian/changelog" -S Date)" +%s) \
    dpkg-deb --root-owner-group -Zxz "-z${DEB_XZ_LEVEL:-1}" --build "$stage" "$deb" >/dev/null
echo "$deb"
