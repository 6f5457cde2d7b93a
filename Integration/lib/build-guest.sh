#!/usr/bin/env bash
# Builds the integration guest into OUT_DIR (must not exist yet):
#   root.img     a GPT disk whose partition 1 (at 1 MiB) is ext4: Debian bookworm minbase with
#                systemd, both kernels in /boot, a Debian-style grub.cfg, the agent
#                (Integration/guest/) — no kreboot binary
#   data.img     ext4 on the whole disk, mounted at /data by the guest's fstab (by UUID)
#   vmlinuz      the 6.1 cloud kernel, for qemu -kernel
#   guest.json   kernel releases, root UUID, the first boot's command line
# Usage: build-guest.sh OUT_DIR [FLAVOR]     (as root; takes about a minute)
# FLAVOR kernel (default): booted with qemu -kernel; grub.cfg hand-written in Debian's style
#        (default entry 6.1, both kernels in the "Advanced options" submenu).
# FLAVOR grub: booted by SeaBIOS from the root disk: GRUB installed with grub-install (i386-pc,
#        BIOS boot partition) and grub.cfg written by Debian's grub-mkconfig (default: the newest
#        kernel, 6.12), through a loop device and a chroot.
# FLAVOR fleet: the kernel flavor plus what Ansible needs to manage it (issue 17): OpenSSH server
#        (root by key only), python3, the virtio-net driver modules of both kernels (the cloud
#        kernels build it as a module) and systemd-networkd with qemu user networking's static
#        address 10.0.2.15/24.
set -euo pipefail

OUT=${1:?usage: build-guest.sh OUT_DIR [kernel|grub]}
FLAVOR=${2:-kernel}
case $FLAVOR in kernel | grub | fleet) ;; *) echo "build-guest: unknown flavor $FLAVOR" >&2; exit 64 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
OVERLAY=$HERE/../guest
SUITE=bookworm
PACKAGES=systemd,systemd-sysv,udev,dbus,libpam-systemd,kmod,e2fsprogs,makedumpfile,kexec-tools,procps,psmisc,libelf1,libmount1,libsystemd0

if [ "$FLAVOR" = grub ]; then PACKAGES=$PACKAGES,grub-pc-bin,grub2-common; fi
if [ "$FLAVOR" = fleet ]; then PACKAGES=$PACKAGES,openssh-server,python3; fi
log() { echo "build-guest: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { echo "build-guest: must run as root (debootstrap)" >&2; exit 1; }
for tool in debootstrap mkfs.ext4 sfdisk apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "build-guest: $tool missing (make deps)" >&2; exit 1; }
done
[ ! -e "$OUT" ] || { echo "build-guest: $OUT already exists" >&2; exit 1; }

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
	echo "build-guest: no Debian mirror in /etc/apt/sources.list*" >&2
	return 1
}

# The concrete kernel package a meta package depends on (e.g. linux-image-6.1.0-56-cloud-amd64).
kernel_package() {
	apt-cache depends "$1" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }'
}

WORK=$(mktemp -d /var/tmp/kreboot-it-build.XXXXXX)
LOOP=""
cleanup() {
	# Never leave mounts or loop devices behind (GUEST-FACTS pitfall 12).
	for m in dev/pts dev proc sys ""; do
		if mountpoint -q "$WORK/mnt/$m" 2>/dev/null; then umount "$WORK/mnt/$m"; fi
	done
	if [ -n "$LOOP" ]; then partx -d "$LOOP" 2>/dev/null; losetup -d "$LOOP"; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
ROOT=$WORK/root
MIRROR=$(mirror)

if [ -z "$(kernel_package linux-image-cloud-amd64)" ]; then
	log "apt lists missing the kernels; apt-get update"
	apt-get update -qq
fi
K61_PKG=$(kernel_package linux-image-cloud-amd64)
K612_PKG=$(kernel_package linux-image-6.12-cloud-amd64)
[ -n "$K61_PKG" ] || { echo "build-guest: apt-cache knows no linux-image-cloud-amd64" >&2; exit 1; }
[ -n "$K612_PKG" ] || { echo "build-guest: apt-cache knows no linux-image-6.12-cloud-amd64" >&2; exit 1; }

log "debootstrap $SUITE from $MIRROR"
t0=$SECONDS
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
	tail -20 "$WORK/debootstrap.log" >&2
	echo "build-guest: debootstrap failed" >&2
	exit 1
}
log "debootstrap done in $((SECONDS - t0)) s"

log "kernels $K61_PKG $K612_PKG"
mkdir -p "$WORK/debs" "$WORK/kernels"
(cd "$WORK/debs" && apt-get download -qq -o APT::Sandbox::User=root "$K61_PKG" "$K612_PKG")
for deb in "$WORK"/debs/*.deb; do dpkg-deb -x "$deb" "$WORK/kernels"; done
release_of() { basename "$(ls "$WORK"/kernels/boot/vmlinuz-"$1"*)" | sed 's/^vmlinuz-//'; }
K61=$(release_of 6.1.)
K612=$(release_of 6.12.)
for rel in "$K61" "$K612"; do
	for f in vmlinuz System.map config; do
		cp "$WORK/kernels/boot/$f-$rel" "$ROOT/boot/"
	done
done
ln -sfn "vmlinuz-$K61" "$ROOT/boot/vmlinuz"

# fleet: only the modules the NIC needs (virtio_pci and virtio_net with their dependencies; 6.12 has
# virtio_pci built in), resolved by modprobe on the unpacked kernels, so udev loads nothing else.
if [ "$FLAVOR" = fleet ]; then
	command -v depmod >/dev/null || { echo "build-guest: depmod missing (kmod)" >&2; exit 1; }
	for rel in "$K61" "$K612"; do
		depmod -b "$WORK/kernels" "$rel"
		mods=$(modprobe -d "$WORK/kernels" -S "$rel" --show-depends -a virtio_pci virtio_net 2>/dev/null |
			awk '$1 == "insmod" { print $2 }' | sort -u)
		[ -n "$mods" ] || { echo "build-guest: no virtio_net module in $rel" >&2; exit 1; }
		for m in $mods; do
			rel_path=${m#"$WORK/kernels"}
			mkdir -p "$ROOT$(dirname "$rel_path")"
			cp "$m" "$ROOT$rel_path"
		done
		for f in "$WORK"/kernels/lib/modules/"$rel"/modules.{order,builtin,builtin.modinfo}; do
			[ -f "$f" ] && cp "$f" "$ROOT/lib/modules/$rel/"
		done
		depmod -b "$ROOT" "$rel"
	done
	mkdir -p "$ROOT/etc/systemd/network" "$ROOT/etc/ssh/sshd_config.d"
	cat >"$ROOT/etc/systemd/network/10-qemu-user.network" <<'NET'
# qemu user-mode networking (restrict=on): the guest is 10.0.2.15, the host's forward reaches sshd.
[Match]
Type=ether

[Network]
Address=10.0.2.15/24
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
	cat >"$ROOT/etc/ssh/sshd_config.d/kreboot-it.conf" <<'SSHD'
# The fleet guests: root by key only (the key is written into each run's image), no DNS look-ups.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
SSHD
	mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
	ln -sfn /lib/systemd/system/systemd-networkd.service "$ROOT/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	ln -sfn /dev/null "$ROOT/etc/systemd/system/systemd-networkd-wait-online.service"
	mkdir -p "$ROOT/root/.ssh"
	chmod 700 "$ROOT/root/.ssh"
fi
ln -sfn "boot/vmlinuz-$K61" "$ROOT/vmlinuz"

log "configuring"
cp -a "$OVERLAY"/. "$ROOT"/
chown -R root:root "$ROOT/usr/local/sbin" "$ROOT/etc/systemd"
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
ROOT_PARTUUID=$(cat /proc/sys/kernel/random/uuid)
DATA_UUID=$(cat /proc/sys/kernel/random/uuid)
# kernel: the root partition at 1 MiB; grub: a 1 MiB BIOS boot partition first, root at 2 MiB.
if [ "$FLAVOR" = grub ]; then ROOT_OFFSET=2097152; else ROOT_OFFSET=1048576; fi
# root= by PARTUUID: the kernel resolves it without an initramfs, and NVMe namespace names are not
# stable (6.12 scans namespaces asynchronously: nvme0n1 may be the data disk).
CMDLINE_BASE="root=PARTUUID=$ROOT_PARTUUID rw console=ttyS0 printk.devkmsg=on nokaslr"

echo kreboot-guest >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkreboot-guest\n' >"$ROOT/etc/hosts"
cat >"$ROOT/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$ROOT_UUID	/	ext4	rw,errors=remount-ro	0	1
UUID=$DATA_UUID	/data	ext4	defaults	0	2
EOF
mkdir -p "$ROOT/data" "$ROOT/var/log/journal"
# An ordinary user, for the scenarios with another user's login session.
chroot "$ROOT" useradd --create-home --shell /bin/bash alice

# kexec-tools: no kexec on `systemctl reboot`, so the firmware baseline is a firmware reboot (pitfall 7).
if [ -f "$ROOT/etc/default/kexec" ]; then
	sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$ROOT/etc/default/kexec"
else
	echo 'LOAD_KEXEC=false' >"$ROOT/etc/default/kexec"
fi

# Units the tests do not need (pitfall 11): timers, gettys, module loading (the guest has no
# modules), debug/trace/hugepage/mqueue mounts, kexec-tools' init scripts (kreboot does the kexec).
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service \
	serial-getty@ttyS0.service getty.target modprobe@.service systemd-modules-load.service \
	sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount dev-mqueue.mount \
	kexec-load.service kexec.service; do
	ln -sfn /dev/null "$ROOT/etc/systemd/system/$unit"
done
mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants"
ln -sfn ../kreboot-it-agent.service "$ROOT/etc/systemd/system/sysinit.target.wants/kreboot-it-agent.service"

# A Debian-style grub.cfg (as grub-mkconfig would write it for these two kernels, no initrd):
# the default entry boots 6.1, the "Advanced options" submenu holds 6.12 and 6.1.
mkdir -p "$ROOT/boot/grub"
[ "$FLAVOR" = kernel ] || cat >"$ROOT/etc/default/grub" <<'GRUB'
# Written by the kreboot integration build, for grub-mkconfig (the grub flavor).
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="rw console=ttyS0 printk.devkmsg=on nokaslr"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
# No initramfs: the kernel must find the root by PARTUUID, not by file system UUID.
GRUB_DISABLE_LINUX_UUID=true
GRUB_DISABLE_LINUX_PARTUUID=false
GRUB_DISABLE_OS_PROBER=true
GRUB
entry() { # entry INDENT TITLE ID RELEASE EXTRA
	local i=$1
	cat <<EOF
${i}menuentry '$2' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option '$3' {
${i}	load_video
${i}	insmod gzio
${i}	if [ x\$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
${i}	insmod part_gpt
${i}	insmod ext2
${i}	search --no-floppy --fs-uuid --set=root $ROOT_UUID
${i}	echo	'Loading Linux $4 ...'
${i}	linux	/boot/vmlinuz-$4 $CMDLINE_BASE$5
${i}}
EOF
}
[ "$FLAVOR" = grub ] || {
	cat <<EOF
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

function load_video {
  insmod all_video
}

terminal_input console
terminal_output console
set timeout=5
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
EOF
	entry "" "Debian GNU/Linux" "gnulinux-simple-$ROOT_UUID" "$K61" ""
	echo "submenu 'Advanced options for Debian GNU/Linux' \$menuentry_id_option 'gnulinux-advanced-$ROOT_UUID' {"
	entry "	" "Debian GNU/Linux, with Linux $K612" "gnulinux-$K612-advanced-$ROOT_UUID" "$K612" ""
	entry "	" "Debian GNU/Linux, with Linux $K612 (recovery mode)" "gnulinux-$K612-recovery-$ROOT_UUID" "$K612" " single"
	entry "	" "Debian GNU/Linux, with Linux $K61" "gnulinux-$K61-advanced-$ROOT_UUID" "$K61" ""
	entry "	" "Debian GNU/Linux, with Linux $K61 (recovery mode)" "gnulinux-$K61-recovery-$ROOT_UUID" "$K61" " single"
	echo "}"
	echo
	echo "### END /etc/grub.d/10_linux ###"
} >"$ROOT/boot/grub/grub.cfg"

[ -s "$ROOT/etc/machine-id" ] || echo "$(cat /proc/sys/kernel/random/uuid | tr -d -)" >"$ROOT/etc/machine-id"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*_Packages

log "making images"
mkdir -p "$OUT"
mkfs.ext4 -q -F -L root -U "$ROOT_UUID" -d "$ROOT" "$WORK/rootfs.img" 2G >/dev/null
truncate -s $((2 * 1024 * 1024 * 1024 + 2 * ROOT_OFFSET)) "$OUT/root.img"
{
	echo "label: gpt"
	if [ "$FLAVOR" = grub ]; then echo "start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name=bios"; fi
	echo "start=$((ROOT_OFFSET / 512)), size=$((2 * 1024 * 1024 * 2)), type=L, uuid=$ROOT_PARTUUID, name=root"
} | sfdisk -q "$OUT/root.img"
dd if="$WORK/rootfs.img" of="$OUT/root.img" bs=1M seek=$((ROOT_OFFSET / 1048576)) conv=sparse,notrunc status=none
GRUB_DEFAULT_LINUX=""
if [ "$FLAVOR" = grub ]; then
	log "grub-install and grub-mkconfig in a chroot on a loop device"
	LOOP=$(losetup -f --show -P "$OUT/root.img")
	part=${LOOP}p2
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b "$part" ] && break; sleep 0.2; done
	# Kernels without the GPT parser create no partition devices: add them through BLKPG.
	[ -b "$part" ] || partx -a "$LOOP"
	mkdir -p "$WORK/mnt"
	mount "$part" "$WORK/mnt"
	for m in dev dev/pts proc sys; do mount --bind "/$m" "$WORK/mnt/$m"; done
	chroot "$WORK/mnt" grub-install --target=i386-pc "$LOOP" >"$WORK/grub.log" 2>&1 ||
		{ cat "$WORK/grub.log" >&2; echo "build-guest: grub-install failed" >&2; exit 1; }
	chroot "$WORK/mnt" grub-mkconfig -o /boot/grub/grub.cfg >>"$WORK/grub.log" 2>&1 ||
		{ cat "$WORK/grub.log" >&2; echo "build-guest: grub-mkconfig failed" >&2; exit 1; }
	grep -q "root=PARTUUID=$ROOT_PARTUUID" "$WORK/mnt/boot/grub/grub.cfg" ||
		{ cat "$WORK/grub.log" >&2; echo "build-guest: grub.cfg does not boot root=PARTUUID=$ROOT_PARTUUID" >&2; exit 1; }
	GRUB_DEFAULT_LINUX=$(awk '$1 == "linux" { print $2; exit }' "$WORK/mnt/boot/grub/grub.cfg")
	cp "$WORK/mnt/boot/grub/grub.cfg" "$OUT/grub.cfg"
	for m in dev/pts dev proc sys ""; do umount "$WORK/mnt/$m"; done
	partx -d "$LOOP" 2>/dev/null || true
	losetup -d "$LOOP"
	LOOP=""
fi
mkdir -p "$WORK/data"
echo "kreboot integration data disk" >"$WORK/data/README"
mkfs.ext4 -q -F -L data -U "$DATA_UUID" -d "$WORK/data" "$OUT/data.img" 512M >/dev/null
cp "$ROOT/boot/vmlinuz-$K61" "$OUT/vmlinuz"
cat >"$OUT/guest.json" <<EOF
{
  "flavor": "$FLAVOR",
  "grubDefaultKernel": "${GRUB_DEFAULT_LINUX:-/boot/vmlinuz-$K61}",
  "suite": "$SUITE",
  "mirror": "$MIRROR",
  "kernel61": "$K61",
  "kernel612": "$K612",
  "rootUUID": "$ROOT_UUID",
  "rootPartUUID": "$ROOT_PARTUUID",
  "rootOffset": $ROOT_OFFSET,
  "dataUUID": "$DATA_UUID",
  "commandLine": "BOOT_IMAGE=/boot/vmlinuz-$K61 $CMDLINE_BASE"
}
EOF
log "done in $SECONDS s: $OUT"
