#!/usr/bin/env bash
# Builds the arm64 integration guest (issue 18) into OUT_DIR (must not exist yet), for
# qemu-system-aarch64 -machine virt under TCG:
#   root.img     GPT, partition 1 (at 1 MiB) ext4: Debian bookworm arm64 minbase (debootstrap --arch=arm64, its
#                second stage run through binfmt_misc and qemu-user-static), Debian's arm64 cloud kernel in /boot
#                (NVMe and ext4 built in: no initramfs), a Debian-style grub.cfg, kexec-tools (Debian's arm64
#                kernels have no kexec_file_load: kreboot loads through kexec_load), the agent (Integration/guest/,
#                its port the PCI serial port ttyS0: the console is the PL011, ttyAMA0) — no kreboot binary
#   data.img     ext4 on the whole disk, /data
#   vmlinuz      the cloud kernel, for qemu -kernel
#   guest.json   as build-guest.sh writes it (flavor arm64; kernel61 and kernel612 both name the one kernel)
# A separate script so the x86_64 flavors' recipe hash stays as it was. Usage: build-guest-arm64.sh OUT_DIR
set -euo pipefail

OUT=${1:?usage: build-guest-arm64.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
OVERLAY=$HERE/../guest
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES=systemd,systemd-sysv,udev,dbus,libpam-systemd,kmod,e2fsprogs,makedumpfile,kexec-tools,procps,psmisc,libelf1,libmount1,libsystemd0
log() { echo "build-guest-arm64: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "must run as root (debootstrap)"; exit 1; }
for tool in debootstrap mkfs.ext4 sfdisk apt-get dpkg-deb qemu-aarch64-static update-binfmts; do
	command -v "$tool" >/dev/null || { log "$tool missing (make deps: qemu-user-static, binfmt-support)"; exit 1; }
done
[ ! -e "$OUT" ] || { log "$OUT already exists"; exit 1; }

# debootstrap's second stage runs arm64 programs: binfmt_misc with qemu-aarch64 (GUEST-FACTS "arm64").
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { log "binfmt_misc has no qemu-aarch64 entry"; exit 1; }

WORK=$(mktemp -d /var/tmp/kreboot-it-build-arm64.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root

log "debootstrap --arch=arm64 $SUITE"
t0=$SECONDS
debootstrap --arch=arm64 --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
	tail -20 "$WORK/debootstrap.log" >&2
	log "debootstrap failed"
	exit 1
}
log "debootstrap done in $((SECONDS - t0)) s"

# The cloud kernel, through apt with a private configuration for arm64 (the host's apt stays amd64-only).
APT_DIR=$WORK/apt
mkdir -p "$APT_DIR"/{etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,state/lists/partial,cache/archives/partial,debs}
touch "$APT_DIR/state/status"
echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" >"$APT_DIR/etc/sources.list"
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
APT::Sandbox::User "root";
EOF
export APT_CONFIG=$APT_DIR/apt.conf
apt-get update -qq
KPKG=$(apt-cache depends linux-image-cloud-arm64 | awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$KPKG" ] || { log "apt-cache knows no linux-image-cloud-arm64"; exit 1; }
(cd "$APT_DIR/debs" && apt-get download -qq "$KPKG")
unset APT_CONFIG
mkdir -p "$WORK/kernel"
dpkg-deb -x "$APT_DIR"/debs/*.deb "$WORK/kernel"
K61=$(basename "$(ls "$WORK"/kernel/boot/vmlinuz-*)" | sed 's/^vmlinuz-//')
for f in vmlinuz System.map config; do cp "$WORK/kernel/boot/$f-$K61" "$ROOT/boot/"; done
ln -sfn "vmlinuz-$K61" "$ROOT/boot/vmlinuz"
ln -sfn "boot/vmlinuz-$K61" "$ROOT/vmlinuz"
log "kernel $KPKG"

log "configuring"
cp -a "$OVERLAY"/. "$ROOT"/
chown -R root:root "$ROOT/usr/local/sbin" "$ROOT/etc/systemd"
# The agent's port: the PCI 16550 (qemu pci-serial) is the only 8250 on virt, so it is ttyS0.
sed -i 's#^PORT=/dev/ttyS1$#PORT=/dev/ttyS0#' "$ROOT/usr/local/sbin/kreboot-it-agent"
grep -q '^PORT=/dev/ttyS0$' "$ROOT/usr/local/sbin/kreboot-it-agent" || { log "the agent's PORT line moved"; exit 1; }
sed -i 's#ttyS1#ttyS0#g' "$ROOT/etc/systemd/system/kreboot-it-agent.service"
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
ROOT_PARTUUID=$(cat /proc/sys/kernel/random/uuid)
DATA_UUID=$(cat /proc/sys/kernel/random/uuid)
ROOT_OFFSET=1048576
CMDLINE_BASE="root=PARTUUID=$ROOT_PARTUUID rw console=ttyAMA0 printk.devkmsg=on nokaslr"

echo kreboot-guest >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkreboot-guest\n' >"$ROOT/etc/hosts"
cat >"$ROOT/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$ROOT_UUID	/	ext4	rw,errors=remount-ro	0	1
UUID=$DATA_UUID	/data	ext4	defaults	0	2
EOF
mkdir -p "$ROOT/data" "$ROOT/var/log/journal"
chroot "$ROOT" useradd --create-home --shell /bin/bash alice
if [ -f "$ROOT/etc/default/kexec" ]; then
	sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$ROOT/etc/default/kexec"
else
	echo 'LOAD_KEXEC=false' >"$ROOT/etc/default/kexec"
fi
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service \
	serial-getty@ttyAMA0.service serial-getty@ttyS0.service getty.target modprobe@.service systemd-modules-load.service \
	sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount dev-mqueue.mount \
	kexec-load.service kexec.service; do
	ln -sfn /dev/null "$ROOT/etc/systemd/system/$unit"
done
mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants"
ln -sfn ../kreboot-it-agent.service "$ROOT/etc/systemd/system/sysinit.target.wants/kreboot-it-agent.service"

# A Debian-style grub.cfg (as grub-mkconfig writes it on arm64 for one kernel without initrd).
mkdir -p "$ROOT/boot/grub"
cat >"$ROOT/boot/grub/grub.cfg" <<EOF
#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
if [ -s \$prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="0"
fi

if [ x"\${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi

export menuentry_id_option
set timeout=5
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-$ROOT_UUID' {
	insmod part_gpt
	insmod ext2
	search --no-floppy --fs-uuid --set=root $ROOT_UUID
	echo	'Loading Linux $K61 ...'
	linux	/boot/vmlinuz-$K61 $CMDLINE_BASE
}
submenu 'Advanced options for Debian GNU/Linux' \$menuentry_id_option 'gnulinux-advanced-$ROOT_UUID' {
	menuentry 'Debian GNU/Linux, with Linux $K61' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-$K61-advanced-$ROOT_UUID' {
		insmod part_gpt
		insmod ext2
		search --no-floppy --fs-uuid --set=root $ROOT_UUID
		echo	'Loading Linux $K61 ...'
		linux	/boot/vmlinuz-$K61 $CMDLINE_BASE
	}
}

### END /etc/grub.d/10_linux ###
EOF
[ -s "$ROOT/etc/machine-id" ] || cat /proc/sys/kernel/random/uuid | tr -d - >"$ROOT/etc/machine-id"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*_Packages

log "making images"
mkdir -p "$OUT"
mkfs.ext4 -q -F -L root -U "$ROOT_UUID" -d "$ROOT" "$WORK/rootfs.img" 2G >/dev/null
truncate -s $((2 * 1024 * 1024 * 1024 + 2 * ROOT_OFFSET)) "$OUT/root.img"
echo "label: gpt
start=$((ROOT_OFFSET / 512)), size=$((2 * 1024 * 1024 * 2)), type=L, uuid=$ROOT_PARTUUID, name=root" | sfdisk -q "$OUT/root.img"
dd if="$WORK/rootfs.img" of="$OUT/root.img" bs=1M seek=$((ROOT_OFFSET / 1048576)) conv=sparse,notrunc status=none
mkdir -p "$WORK/data"
echo "kreboot integration data disk" >"$WORK/data/README"
mkfs.ext4 -q -F -L data -U "$DATA_UUID" -d "$WORK/data" "$OUT/data.img" 512M >/dev/null
cp "$ROOT/boot/vmlinuz-$K61" "$OUT/vmlinuz"
cat >"$OUT/guest.json" <<EOF
{
  "flavor": "arm64",
  "arch": "aarch64",
  "grubDefaultKernel": "/boot/vmlinuz-$K61",
  "suite": "$SUITE",
  "mirror": "$MIRROR",
  "kernel61": "$K61",
  "kernel612": "$K61",
  "rootUUID": "$ROOT_UUID",
  "rootPartUUID": "$ROOT_PARTUUID",
  "rootOffset": $ROOT_OFFSET,
  "dataUUID": "$DATA_UUID",
  "commandLine": "BOOT_IMAGE=/boot/vmlinuz-$K61 $CMDLINE_BASE"
}
EOF
log "done in $SECONDS s: $OUT"
