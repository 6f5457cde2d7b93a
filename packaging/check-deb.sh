#!/bin/bash
# Checks the package build-deb.sh made, as a new user's apt would see it: control fields and dependencies
# (dpkg-deb --info), the installed files (dpkg-deb --contents), that the packaged binary runs and needs no
# Swift runtime library, that the packaged manual page renders without warnings, and lintian (errors fail
# the check; warnings and infos are listed). Exits 1 with one line per problem.
# Usage: packaging/check-deb.sh PACKAGE.deb
set -uo pipefail

deb=${1:?usage: check-deb.sh PACKAGE.deb}
[ -s "$deb" ] || { echo "check-deb: $deb is missing" >&2; exit 1; }
problems=0
problem() { echo "check-deb: $*" >&2; problems=$((problems + 1)); }

field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = kreboot ] || problem "Package is '$(field Package)', not kreboot"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || problem "Architecture is '$(field Architecture)'"
depends=$(field Depends)
for package in libc6 libmount1 libsystemd0 libelf1 zlib1g makedumpfile; do
    grep -Eq "(^|, )$package( |,|\$)" <<<"$depends" || problem "Depends lacks $package: $depends"
done
grep -Eq 'libswift|swiftlang' <<<"$depends" && problem "Depends names a Swift runtime: $depends"
[ "$(field Recommends)" = kexec-tools ] || problem "Recommends is '$(field Recommends)', not kexec-tools"

contents=$(dpkg-deb --contents "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for path in /usr/sbin/kreboot /usr/share/man/man8/kreboot.8.gz \
            /usr/share/bash-completion/completions/kreboot /usr/share/zsh/vendor-completions/_kreboot \
            /usr/share/fish/vendor_completions.d/kreboot.fish /lib/systemd/system/kreboot-save-dump.service \
            /lib/systemd/system/kreboot-verify.service /lib/systemd/system/kreboot-kdump.service \
            /lib/systemd/system/kreboot-kdump.path /lib/systemd/system/kreboot-kdump-reload.service \
            /lib/systemd/system/kdump-tools.service.d/kreboot.conf /lib/systemd/system/kdump.service.d/kreboot.conf \
            /usr/share/doc/kreboot/copyright /usr/share/doc/kreboot/changelog.Debian.gz \
            /usr/share/doc/kreboot/README.Debian; do
    grep -qx "$path" <<<"$contents" || problem "the package does not install $path"
done
dpkg-deb --contents "$deb" | awk '$2 != "root/root" { print }' | grep -q . && problem "files not owned by root/root"

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dpkg-deb --extract "$deb" "$tree"
version=$(field Version)
[ "$("$tree/usr/sbin/kreboot" --version 2>&1)" = "${version%-*}" ] || problem "usr/sbin/kreboot --version is not ${version%-*}"
missing=$(ldd "$tree/usr/sbin/kreboot" | grep -E 'libswift|libFoundation|libdispatch|not found')
[ -z "$missing" ] || problem "usr/sbin/kreboot needs libraries Debian does not ship: $missing"
# kreboot links FoundationEssentials only (17 MB stripped); all of Foundation with ICU data was 61 MB.
size=$(stat -c %s "$tree/usr/sbin/kreboot")
[ "$size" -le $((30 * 1024 * 1024)) ] || problem "usr/sbin/kreboot is $((size / 1048576)) MB: did a module import all of Foundation (and ICU)?"
grep -q '^ExecStart=/usr/sbin/kreboot save-dump$' "$tree/lib/systemd/system/kreboot-save-dump.service" \
    || problem "kreboot-save-dump.service does not run /usr/sbin/kreboot"
grep -q '^ExecStart=/usr/sbin/kreboot status --record$' "$tree/lib/systemd/system/kreboot-verify.service" \
    || problem "kreboot-verify.service does not run kreboot status --record"
kdump_unit="$tree/lib/systemd/system/kreboot-kdump.service"
grep -q '^ExecStart=/usr/sbin/kreboot kdump start --build-later$' "$kdump_unit" || problem "kreboot-kdump.service does not run kreboot kdump start"
grep -q '^ExecStop=/usr/sbin/kreboot kdump stop$' "$kdump_unit" || problem "kreboot-kdump.service does not run kreboot kdump stop"
grep -q '^RemainAfterExit=yes$' "$kdump_unit" || problem "kreboot-kdump.service is not RemainAfterExit=yes"
grep -q '^Also=kreboot-kdump.path$' "$kdump_unit" || problem "enabling kreboot-kdump.service does not enable kreboot-kdump.path"
# A kdump test isolates rescue.target before its panic: the service that loaded the capture kernel must stay.
grep -q '^IgnoreOnIsolate=yes$' "$kdump_unit" || problem "kreboot-kdump.service is stopped (and unloads) when rescue.target is isolated"
for unit in kdump-tools.service kdump.service; do
    grep -q '^IgnoreOnIsolate=yes$' "$tree/lib/systemd/system/$unit.d/kreboot.conf" \
        || problem "the $unit drop-in does not keep it through an isolate"
done
grep -q '^PathChanged=/boot$' "$tree/lib/systemd/system/kreboot-kdump.path" || problem "kreboot-kdump.path does not watch /boot"
grep -q '^Unit=kreboot-kdump-reload.service$' "$tree/lib/systemd/system/kreboot-kdump.path" || problem "kreboot-kdump.path does not start the reload"
grep -q '^ExecStart=/usr/sbin/kreboot kdump reload$' "$tree/lib/systemd/system/kreboot-kdump-reload.service" \
    || problem "kreboot-kdump-reload.service does not run kreboot kdump reload"
if command -v systemd-analyze >/dev/null; then
    verify=$(cd "$tree/lib/systemd/system" && SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no \
        ./kreboot-kdump.service ./kreboot-kdump.path ./kreboot-kdump-reload.service 2>&1 | grep -v 'usr/sbin/kreboot' || true)
    [ -z "$verify" ] || problem "systemd-analyze verify of the kdump units: $verify"
fi
warnings=$(MANWIDTH=80 man --warnings -l "$tree/usr/share/man/man8/kreboot.8.gz" 2>&1 >/dev/null)
[ -z "$warnings" ] || problem "the packaged manual page: $warnings"
head -1 "$tree/usr/share/bash-completion/completions/kreboot" | grep -q '^#!' && problem "bash completion has a #! line"

if command -v lintian >/dev/null; then
    all=$(lintian --pedantic --display-info "$deb" 2>/dev/null)
    tags=$(grep -v 'spelling-error-in-binary' <<<"$all")
    spelling=$(grep -c 'spelling-error-in-binary' <<<"$all")
    [ -n "$tags" ] && echo "$tags" | sed 's/^/lintian: /' >&2
    [ "$spelling" -gt 0 ] && echo "lintian: ($spelling spelling-error-in-binary infos, from the Swift runtime linked into the binary)" >&2
    grep -q '^E:' <<<"$tags" && problem "lintian reports errors"
else
    problem "lintian is not installed (make deps installs it)"
fi

if [ "$problems" -gt 0 ]; then exit 1; fi
echo "check-deb: $deb: $(field Version), $(wc -l <<<"$contents") entries, Depends: $depends; lintian: no errors"
