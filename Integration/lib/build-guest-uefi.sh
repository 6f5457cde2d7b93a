#!/usr/bin/env bash
# Builds the UEFI integration guest (flavor `uefi`, issue 14) into OUT_DIR (must not exist yet):
#   root.img     GPT: partition 1 the EFI system partition (vfat, /boot/efi), partition 2 ext4 root
#                (Debian bookworm minbase with systemd and the agent of Integration/guest/)
#   data.img     ext4 on the whole disk, mounted at /data (fstab by UUID), as in the lab guest
#   guest.json   kernel release, UUIDs, partition offsets, the entries' command lines
# Debian's signed boot chain: shim-signed (EFI/BOOT/BOOTX64.EFI and EFI/debian/shimx64.efi),
# grub-efi-amd64-signed (grubx64.efi beside it), the ESP stub grub.cfg grub-install writes
# (search.fs_uuid + configfile /boot/grub/grub.cfg) and /boot/grub/grub.cfg by grub-mkconfig; the signed
# generic kernel linux-image-amd64 installed with dpkg in a chroot, its initramfs by update-initramfs.
# The same ESP also holds systemd-boot (EFI/systemd/systemd-bootx64.efi, unsigned: booted with Secure
# Boot off by copying it over EFI/BOOT/BOOTX64.EFI in a run's copy), Boot Loader Spec Type #1 entries
# (loader/entries, kernel and initrd on the ESP), loader.conf with a glob default and a Type #2 UKI
# (EFI/Linux, objcopy of systemd-boot's linuxx64.efi.stub with .osrel .cmdline .linux .initrd).
# /root/vmlinuz-unsigned is the kernel with its signature removed (sbattach --remove).
# Usage: build-guest-uefi.sh OUT_DIR     (as root; about three minutes)
set -euo pipefail

OUT=${1:?usage: build-guest-uefi.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
OVERLAY=$HERE/../guest
SUITE=bookworm
PACKAGES=systemd,systemd-sysv,udev,dbus,libpam-systemd,kmod,e2fsprogs,makedumpfile,kexec-tools,procps,psmisc,libelf1,libmount1,libsystemd0
# The kernel's dependencies (installed with dpkg below) and grub-mkconfig's tools.
PACKAGES=$PACKAGES,linux-base,initramfs-tools,zstd,grub-common,grub2-common,dosfstools
ESP_MIB=256
ROOT_MIB=2048
log() { echo "build-guest-uefi: $*" >&2; }
die() { echo "build-guest-uefi: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, loop devices)"
for tool in debootstrap mkfs.ext4 sfdisk apt-get dpkg-deb mkfs.vfat mcopy sbattach objcopy objdump losetup partx; do
	command -v "$tool" >/dev/null || die "$tool missing (make deps)"
done
[ ! -e "$OUT" ] || die "$OUT already exists"

# The mirror apt itself uses (deb822 sources first, then the one-line format).
mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp|file):/ && $i !~ /security/) { print $i; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	die "no Debian mirror in /etc/apt/sources.list*"
}

WORK=$(mktemp -d /var/tmp/kreboot-it-build-uefi.XXXXXX)
ROOT=$WORK/root
LOOP=""
unmount_all() { # unmount_all DIR: the chroot's bind mounts, then DIR itself
	local m
	for m in dev/pts dev proc sys ""; do
		if mountpoint -q "$1/$m" 2>/dev/null; then umount "$1/$m"; fi
	done
}
cleanup() {
	# Never leave mounts or loop devices behind (GUEST-FACTS pitfall 12).
	unmount_all "$WORK/mnt"
	for m in dev/pts dev proc sys; do
		if mountpoint -q "$ROOT/$m" 2>/dev/null; then umount "$ROOT/$m"; fi
	done
	if [ -n "$LOOP" ]; then partx -d "$LOOP" 2>/dev/null; losetup -d "$LOOP"; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
bind_system() { local m; for m in dev dev/pts proc sys; do mount --bind "/$m" "$1/$m"; done; }
MIRROR=$(mirror)

# The concrete kernel package linux-image-amd64 depends on (e.g. linux-image-6.1.0-57-amd64).
kernel_package() { apt-cache depends "$1" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }'; }
[ -n "$(kernel_package linux-image-amd64)" ] || { log "apt lists missing the kernel; apt-get update"; apt-get update -qq; }
KPKG=$(kernel_package linux-image-amd64)
[ -n "$KPKG" ] || die "apt-cache knows no linux-image-amd64"
RELEASE=${KPKG#linux-image-}

log "debootstrap $SUITE from $MIRROR"
t0=$SECONDS
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
	tail -20 "$WORK/debootstrap.log" >&2
	die "debootstrap failed"
}
log "debootstrap done in $((SECONDS - t0)) s"

log "downloading $KPKG linux-image-amd64 shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed systemd-boot-efi systemd-boot"
mkdir -p "$WORK/debs" "$WORK/efi"
(cd "$WORK/debs" && apt-get download -qq -o APT::Sandbox::User=root "$KPKG" linux-image-amd64 \
	shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed systemd-boot-efi systemd-boot)
for pkg in shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed systemd-boot-efi; do
	dpkg-deb -x "$WORK"/debs/"$pkg"_*.deb "$WORK/efi"
done

log "configuring"
cp -a "$OVERLAY"/. "$ROOT"/
chown -R root:root "$ROOT/usr/local/sbin" "$ROOT/etc/systemd"
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
DATA_UUID=$(cat /proc/sys/kernel/random/uuid)
ESP_SERIAL=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ' | tr a-f A-F)
ESP_UUID=${ESP_SERIAL:0:4}-${ESP_SERIAL:4:4}
ESP_OFFSET=$((1024 * 1024))
ROOT_OFFSET=$(((1 + ESP_MIB) * 1024 * 1024))
CMDLINE="root=UUID=$ROOT_UUID ro console=ttyS0 printk.devkmsg=on nokaslr"

echo kreboot-guest >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkreboot-guest\n' >"$ROOT/etc/hosts"
cat >"$ROOT/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$ROOT_UUID	/	ext4	rw,errors=remount-ro	0	1
UUID=$ESP_UUID	/boot/efi	vfat	umask=0077	0	1
UUID=$DATA_UUID	/data	ext4	defaults	0	2
EOF
mkdir -p "$ROOT/data" "$ROOT/boot/efi" "$ROOT/boot/grub" "$ROOT/var/log/journal"
chroot "$ROOT" useradd --create-home --shell /bin/bash alice
echo 'LOAD_KEXEC=false' >"$ROOT/etc/default/kexec" # the firmware baseline is a firmware reboot (pitfall 7)
# As in the lab guest (pitfall 11), minus module loading: the generic kernel needs its modules.
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service \
	serial-getty@ttyS0.service getty.target sys-kernel-debug.mount sys-kernel-tracing.mount \
	dev-hugepages.mount dev-mqueue.mount kexec-load.service kexec.service; do
	ln -sfn /dev/null "$ROOT/etc/systemd/system/$unit"
done
# On a loaded 2-core host the initramfs and udev's coldplug take minutes under TCG OVMF: wait for the ESP and
# data devices longer than systemd's 90 s before giving up into emergency mode.
mkdir -p "$ROOT/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStartSec=600\n' >"$ROOT/etc/systemd/system.conf.d/kreboot-it-timeouts.conf"
mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants"
ln -sfn ../kreboot-it-agent.service "$ROOT/etc/systemd/system/sysinit.target.wants/kreboot-it-agent.service"
[ -s "$ROOT/etc/machine-id" ] || cat /proc/sys/kernel/random/uuid | tr -d - >"$ROOT/etc/machine-id"
MACHINE_ID=$(cat "$ROOT/etc/machine-id")

# The initramfs holds only what finds the root (NVMe, ext4): smaller and faster to unpack under TCG
# than MODULES=most.
sed -i 's/^MODULES=.*/MODULES=list/' "$ROOT/etc/initramfs-tools/initramfs.conf"
printf 'nvme\next4\n' >>"$ROOT/etc/initramfs-tools/modules"
cat >"$ROOT/etc/default/grub" <<EOF
# Written by the kreboot integration build (flavor uefi), for grub-mkconfig.
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 printk.devkmsg=on nokaslr"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
EOF

log "installing $KPKG with dpkg in a chroot (update-initramfs)"
bind_system "$ROOT"
cp "$WORK"/debs/linux-image-*.deb "$ROOT/tmp/"
chroot "$ROOT" /bin/sh -c 'DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/linux-image-*.deb && rm /tmp/linux-image-*.deb' \
	>"$WORK/dpkg.log" 2>&1 || { tail -30 "$WORK/dpkg.log" >&2; die "installing the kernel failed"; }
for m in dev/pts dev proc sys; do umount "$ROOT/$m"; done
# After the initramfs is built (which loads nvme and ext4 itself): udev loads no driver by modalias in the
# booted system (ahci, kvm, watchdogs, i2c … cost tens of seconds under TCG); file systems still load theirs
# (vfat on mount). The lab guest masks module loading the same way.
ln -sfn /dev/null "$ROOT/etc/udev/rules.d/80-drivers.rules"
[ -s "$ROOT/boot/initrd.img-$RELEASE" ] || { tail -30 "$WORK/dpkg.log" >&2; die "no initrd.img-$RELEASE"; }
sbattach --remove --output "$ROOT/root/vmlinuz-unsigned" "$ROOT/boot/vmlinuz-$RELEASE" >/dev/null 2>&1 ||
	{ cp "$ROOT/boot/vmlinuz-$RELEASE" "$ROOT/root/vmlinuz-unsigned" && sbattach --remove "$ROOT/root/vmlinuz-unsigned"; }
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*_Packages

# --- the EFI system partition's tree (filled into the vfat image with mtools: no vfat on the host) ---
ESP=$WORK/esp
mkdir -p "$ESP/EFI/BOOT" "$ESP/EFI/debian" "$ESP/EFI/systemd" "$ESP/EFI/Linux" "$ESP/loader/entries" "$ESP/$MACHINE_ID/$RELEASE"
SHIM=$WORK/efi/usr/lib/shim/shimx64.efi.signed
MM=$WORK/efi/usr/lib/shim/mmx64.efi.signed
GRUBEFI=$WORK/efi/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
SDBOOT=$WORK/efi/usr/lib/systemd/boot/efi/systemd-bootx64.efi
STUB=$WORK/efi/usr/lib/systemd/boot/efi/linuxx64.efi.stub
for f in "$SHIM" "$MM" "$GRUBEFI" "$SDBOOT" "$STUB"; do [ -f "$f" ] || die "missing $f in the downloaded packages"; done
# grub-install --uefi-secure-boot (it refuses a non-FAT directory here) and its removable path.
for dir in debian BOOT; do
	cp "$GRUBEFI" "$ESP/EFI/$dir/grubx64.efi"
	cp "$MM" "$ESP/EFI/$dir/mmx64.efi"
	printf 'search.fs_uuid %s root hd0,gpt2 \nset prefix=($root)'"'"'/boot/grub'"'"'\nconfigfile $prefix/grub.cfg\n' \
		"$ROOT_UUID" >"$ESP/EFI/$dir/grub.cfg"
done
cp "$SHIM" "$ESP/EFI/debian/shimx64.efi"
cp "$SHIM" "$ESP/EFI/BOOT/BOOTX64.EFI"
# systemd-boot as `bootctl install` would place it (bootctl needs efivars: copied by hand).
cp "$SDBOOT" "$ESP/EFI/systemd/systemd-bootx64.efi"
# bootctl (`bootctl list`, `bootctl set-oneshot`) is in Debian 12's systemd-boot package, whose postinst would run
# `bootctl install` (it needs efivars): only the binary is taken (it links against systemd's shared library).
dpkg-deb -x "$WORK"/debs/systemd-boot_*.deb "$WORK/sdboot"
install -m 0755 "$WORK/sdboot/usr/bin/bootctl" "$ROOT/usr/bin/bootctl"
chroot "$ROOT" bootctl --version >/dev/null || die "bootctl from systemd-boot does not run in the guest"
# Type #1 entries with the kernel and initrd on the ESP (paths relative to it, as kernel-install lays them out).
cp "$ROOT/boot/vmlinuz-$RELEASE" "$ESP/$MACHINE_ID/$RELEASE/linux"
cp "$ROOT/boot/initrd.img-$RELEASE" "$ESP/$MACHINE_ID/$RELEASE/initrd"
bls_entry() { # bls_entry FILE TITLE SORT_KEY TOKEN
	cat >"$ESP/loader/entries/$1.conf" <<EOF
title      $2
version    $RELEASE
machine-id $MACHINE_ID
sort-key   $3
linux      /$MACHINE_ID/$RELEASE/linux
initrd     /$MACHINE_ID/$RELEASE/initrd
options    $CMDLINE kreboot_it.entry=$4
EOF
}
# Without the glob systemd-boot would take `a-rescue` (first in order); loader.conf's glob picks debian-*.
bls_entry "a-rescue-$RELEASE" "Debian GNU/Linux rescue ($RELEASE)" a-rescue bls-rescue
bls_entry "debian-$RELEASE" "Debian GNU/Linux ($RELEASE)" debian bls-debian
printf 'default debian-*\ntimeout 0\nconsole-mode keep\n' >"$ESP/loader/loader.conf"
# Type #2: a UKI made from the stub with objcopy (systemd-ukify is not in bookworm): each section placed
# after the previous one, aligned to the stub's SectionAlignment, from the stub's image end.
echo "$CMDLINE kreboot_it.entry=uki" >"$WORK/uki-cmdline"
cp "$ROOT/etc/os-release" "$WORK/uki-osrel" 2>/dev/null || cp "$ROOT/usr/lib/os-release" "$WORK/uki-osrel"
align=$((16#$(objdump -p "$STUB" | awk '$1 == "SectionAlignment" { print $2 }')))
next=0
while read -r size vma; do
	[ $((16#$vma + 16#$size)) -gt "$next" ] && next=$((16#$vma + 16#$size))
done < <(objdump -h -w "$STUB" | awk '$1 ~ /^[0-9]+$/ { print $3, $4 }')
sections=()
for pair in .osrel:"$WORK/uki-osrel" .cmdline:"$WORK/uki-cmdline" .linux:"$ROOT/boot/vmlinuz-$RELEASE" .initrd:"$ROOT/boot/initrd.img-$RELEASE"; do
	name=${pair%%:*} file=${pair#*:}
	next=$(((next + align - 1) / align * align))
	sections+=(--add-section "$name=$file" --change-section-vma "$name=$(printf '0x%x' "$next")")
	next=$((next + $(stat -c %s "$file")))
done
objcopy "${sections[@]}" "$STUB" "$ESP/EFI/Linux/uki-$RELEASE.efi"
find "$ESP" -type f | sort | sed "s|^$ESP|  esp:|" >&2

# --- the disks ---
log "making images"
mkdir -p "$OUT"
mkfs.ext4 -q -F -L root -U "$ROOT_UUID" -d "$ROOT" "$WORK/rootfs.img" "${ROOT_MIB}M" >/dev/null
mkfs.vfat -F 32 -n ESP -i "$ESP_SERIAL" -C "$WORK/esp.img" $((ESP_MIB * 1024)) >/dev/null
mcopy -s -i "$WORK/esp.img" "$ESP"/EFI "$ESP"/loader "$ESP/$MACHINE_ID" ::/
truncate -s $((ROOT_OFFSET + ROOT_MIB * 1024 * 1024 + 1024 * 1024)) "$OUT/root.img"
{
	echo "label: gpt"
	echo "start=$((ESP_OFFSET / 512)), size=$((ESP_MIB * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP"
	echo "start=$((ROOT_OFFSET / 512)), size=$((ROOT_MIB * 2048)), type=L, name=root"
} | sfdisk -q "$OUT/root.img"
dd if="$WORK/esp.img" of="$OUT/root.img" bs=1M seek=$((ESP_OFFSET / 1048576)) conv=sparse,notrunc status=none
dd if="$WORK/rootfs.img" of="$OUT/root.img" bs=1M seek=$((ROOT_OFFSET / 1048576)) conv=sparse,notrunc status=none

# grub-mkconfig as Debian runs it (10_linux writes no entry for a file-backed loop device: use a whole-disk
# loop device with partitions, as the grub flavor does). 10_linux writes root=UUID= only when
# /dev/disk/by-uuid/UUID exists, which this host (no udev) lacks: the chroot gets its own /dev (a tmpfs with the
# loop devices and that link), the host's /dev is not touched.
log "grub-mkconfig in a chroot on a loop device"
LOOP=$(losetup -f --show -P "$OUT/root.img")
part=${LOOP}p2
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b "$part" ] && break; sleep 0.2; done
[ -b "$part" ] || partx -a "$LOOP"
mkdir -p "$WORK/mnt"
mount "$part" "$WORK/mnt"
mount -t tmpfs -o mode=0755 devtmp "$WORK/mnt/dev"
mkdir -p "$WORK/mnt/dev/pts" "$WORK/mnt/dev/disk/by-uuid"
cp -a /dev/null /dev/zero /dev/urandom "$LOOP" "${LOOP}"p* "$WORK/mnt/dev/"
ln -s "../../$(basename "$part")" "$WORK/mnt/dev/disk/by-uuid/$ROOT_UUID"
mount -t proc proc "$WORK/mnt/proc"
mount --bind /sys "$WORK/mnt/sys"
chroot "$WORK/mnt" grub-mkconfig -o /boot/grub/grub.cfg >"$WORK/grub.log" 2>&1 ||
	{ cat "$WORK/grub.log" >&2; die "grub-mkconfig failed"; }
grep -q "linux.*/boot/vmlinuz-$RELEASE root=UUID=$ROOT_UUID" "$WORK/mnt/boot/grub/grub.cfg" ||
	{ cat "$WORK/grub.log" >&2; grep -A3 -m2 'linux' "$WORK/mnt/boot/grub/grub.cfg" >&2; die "grub.cfg does not boot /boot/vmlinuz-$RELEASE root=UUID=$ROOT_UUID"; }
grep -q "initrd.*/boot/initrd.img-$RELEASE" "$WORK/mnt/boot/grub/grub.cfg" || die "grub.cfg loads no initrd"
cp "$WORK/mnt/boot/grub/grub.cfg" "$OUT/grub.cfg"
GRUB_COMMAND_LINE=$(awk '$1 == "linux" { $1 = ""; sub(/^ /, ""); print; exit }' "$WORK/mnt/boot/grub/grub.cfg")
unmount_all "$WORK/mnt"
partx -d "$LOOP" 2>/dev/null || true
losetup -d "$LOOP"
LOOP=""

mkdir -p "$WORK/data"
echo "kreboot integration data disk" >"$WORK/data/README"
mkfs.ext4 -q -F -L data -U "$DATA_UUID" -d "$WORK/data" "$OUT/data.img" 512M >/dev/null
cat >"$OUT/guest.json" <<EOF
{
  "flavor": "uefi",
  "suite": "$SUITE",
  "mirror": "$MIRROR",
  "kernel": "$RELEASE",
  "kernel61": "$RELEASE",
  "kernel612": "",
  "grubDefaultKernel": "/boot/vmlinuz-$RELEASE",
  "rootUUID": "$ROOT_UUID",
  "rootOffset": $ROOT_OFFSET,
  "espUUID": "$ESP_UUID",
  "espOffset": $ESP_OFFSET,
  "dataUUID": "$DATA_UUID",
  "machineID": "$MACHINE_ID",
  "ukiPath": "/EFI/Linux/uki-$RELEASE.efi",
  "blsDefaultEntry": "debian-$RELEASE.conf",
  "commandLine": "BOOT_IMAGE=$GRUB_COMMAND_LINE"
}
EOF
log "done in $SECONDS s: $OUT"
