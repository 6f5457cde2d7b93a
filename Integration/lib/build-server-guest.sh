#!/usr/bin/env bash
# Builds the `server` integration guest into OUT_DIR (must not exist yet) — a Debian 12 system as the
# installer's "guided LVM" lays it out, plus what real servers carry (issue 13):
#   root.img   the server disk, booted by SeaBIOS: an msdos label with GRUB (i386-pc) in its gap,
#              partition 1 /boot (ext4, at BOOT_OFFSET), partition 2 an LVM PV of the VG server-vg:
#                root (ext4, /), var (xfs, /var: the persistent journal, PostgreSQL 15's cluster),
#                home (btrfs, subvolume @home mounted at /home), swap_1 (swap),
#                secret (LUKS2, opened by crypttab with a key file, ext4 at /srv/secret);
#              a swap file /swap.img on /; Debian's generic kernels linux-image-amd64 (6.1) and
#              linux-image-6.12-amd64, each with its initramfs (initramfs-tools, lvm2, cryptsetup-initramfs);
#              grub.cfg from grub-mkconfig (root=/dev/mapper/server--vg-root); the agent (Integration/guest/)
#   data.img   ext4 on the whole disk, /data (by UUID)
#   vmlinuz    the 6.1 generic kernel (unused: the guest boots through the firmware)
#   guest.json kernel releases, UUIDs, offsets, the default entry's command line
# Usage: build-server-guest.sh OUT_DIR   (as root; a few minutes)
#
# The host kernel has no device-mapper targets, so LVM and LUKS are laid out inside a builder VM: the
# guest's own 6.1 kernel and initramfs booted in qemu (TCG) with `init=` this script's builder half
# (/usr/local/lib/kreboot-it/lay-out-server-disk, written below) on the root file system made here with
# `mkfs.ext4 -d`; /boot, /var (xfs) and /home (btrfs) are made and filled on the host as image files
# and attached beside it; the builder copies them into the partition and the logical volumes, formats
# LUKS, makes the swaps and installs GRUB from a chroot of the finished disk.
set -euo pipefail

OUT=${1:?usage: build-server-guest.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
OVERLAY=$HERE/../guest
SUITE=bookworm
VG=server-vg
BOOT_MIB=256
ROOT_MIB=3072
VAR_MIB=1024
HOME_MIB=512
SWAP_MIB=128
SECRET_MIB=64
SWAP_FILE_MIB=128
DISK_MIB=$((1 + BOOT_MIB + ROOT_MIB + VAR_MIB + HOME_MIB + SWAP_MIB + SECRET_MIB + 64))
BOOT_OFFSET=1048576
BASE=systemd,systemd-sysv,udev,dbus,libpam-systemd,kmod,e2fsprogs,makedumpfile,kexec-tools,procps,psmisc,libelf1,libmount1,libsystemd0,debian-archive-keyring,ca-certificates
SERVER_PACKAGES="initramfs-tools lvm2 cryptsetup cryptsetup-initramfs xfsprogs btrfs-progs grub-pc-bin grub2-common
	postgresql-15 linux-image-amd64 linux-image-6.12-amd64 util-linux fdisk zstd"
log() { echo "build-server-guest: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { echo "build-server-guest: must run as root" >&2; exit 1; }
for tool in debootstrap mkfs.ext4 mkfs.xfs mkfs.btrfs btrfs qemu-system-x86_64 truncate zstd cpio; do
	command -v "$tool" >/dev/null || { echo "build-server-guest: $tool missing (make deps)" >&2; exit 1; }
done
[ ! -e "$OUT" ] || { echo "build-server-guest: $OUT already exists" >&2; exit 1; }

# The mirror apt itself uses (deb822 sources first, then the one-line format), as build-guest.sh does.
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
	echo "build-server-guest: no Debian mirror in /etc/apt/sources.list*" >&2
	return 1
}

WORK=$(mktemp -d /var/tmp/kreboot-it-server.XXXXXX)
ROOT=$WORK/root
MOUNTS=()
cleanup() {
	# Never leave mounts behind (GUEST-FACTS pitfall 12); the builder VM is killed with this shell.
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		mountpoint -q "${MOUNTS[i]}" 2>/dev/null && umount "${MOUNTS[i]}"
	done
	[ -n "${QEMU_PID:-}" ] && kill "$QEMU_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
mount_at() { # mount_at DIR ARGS...: mount and remember for the cleanup
	local dir=$1
	shift
	mkdir -p "$dir"
	mount "$@" "$dir"
	MOUNTS+=("$dir")
}
unmount_last() {
	umount "${MOUNTS[-1]}"
	unset 'MOUNTS[-1]'
}
MIRROR=$(mirror)
t_start=$SECONDS

# KREBOOT_IT_SERVER_TREE=DIR (for working on this script): the tree after the package installation is kept in
# DIR (a tar) and taken from there the next time, which skips debootstrap and apt (most of the build).
TREE_CACHE=${KREBOOT_IT_SERVER_TREE:-}
if [ -n "$TREE_CACHE" ] && [ -f "$TREE_CACHE/tree.tar" ]; then
	log "the package tree from $TREE_CACHE/tree.tar (KREBOOT_IT_SERVER_TREE)"
	mkdir -p "$ROOT"
	tar -C "$ROOT" -xpf "$TREE_CACHE/tree.tar"
else
log "debootstrap $SUITE from $MIRROR"
debootstrap --variant=minbase --include="$BASE" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
	tail -20 "$WORK/debootstrap.log" >&2
	echo "build-server-guest: debootstrap failed" >&2
	exit 1
}
log "debootstrap done in $((SECONDS - t_start)) s"

# apt in the chroot uses the host's own sources (bookworm, -updates, -security: the 6.12 kernel is there),
# removed again afterwards. No service starts in the chroot; initramfs-tools must not take the host's swap
# as the resume device.
t0=$SECONDS
cp -a /etc/apt/sources.list.d/. "$ROOT/etc/apt/sources.list.d/"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$ROOT/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mkdir -p "$ROOT/etc/initramfs-tools/conf.d"
echo RESUME=none >"$ROOT/etc/initramfs-tools/conf.d/resume"
for m in proc sys dev dev/pts; do mount_at "$ROOT/$m" --bind "/$m"; done
chroot "$ROOT" apt-get update -qq >"$WORK/apt.log" 2>&1
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get install -y -qq --no-install-recommends $SERVER_PACKAGES \
	>>"$WORK/apt.log" 2>&1 || {
	tail -30 "$WORK/apt.log" >&2
	echo "build-server-guest: apt-get install in the chroot failed" >&2
	exit 1
}
for m in dev/pts dev sys proc; do unmount_last; done
rm -f "$ROOT/usr/sbin/policy-rc.d" "$ROOT"/etc/apt/sources.list.d/* "$ROOT/etc/apt/sources.list"
log "server packages and both initramfs images in $((SECONDS - t0)) s"
if [ -n "$TREE_CACHE" ]; then mkdir -p "$TREE_CACHE" && tar -C "$ROOT" -cpf "$TREE_CACHE/tree.tar" .; fi
fi

K61=$(basename "$(ls "$ROOT"/boot/vmlinuz-6.1.*-amd64)" | sed 's/^vmlinuz-//')
K612=$(basename "$(ls "$ROOT"/boot/vmlinuz-6.12.*-amd64)" | sed 's/^vmlinuz-//')
# Each initramfs must activate LVM (lvm2's hook): one made before lvm2 was unpacked is made again.
# (grep reads to the end: with pipefail, grep -q stopping early would fail the pipe)
initrd_has_lvm() { zstd -dcq "$1" 2>/dev/null | cpio -t --quiet 2>/dev/null | grep -E '^(usr/)?sbin/lvm$' >/dev/null; }
for rel in "$K61" "$K612"; do
	if ! initrd_has_lvm "$ROOT/boot/initrd.img-$rel"; then
		log "the initramfs of $rel lacks lvm: update-initramfs"
		for m in proc sys dev; do mount_at "$ROOT/$m" --bind "/$m"; done
		chroot "$ROOT" update-initramfs -u -k "$rel" >>"$WORK/apt.log" 2>&1
		for m in dev sys proc; do unmount_last; done
	fi
	initrd_has_lvm "$ROOT/boot/initrd.img-$rel" || { echo "build-server-guest: the initramfs of $rel has no lvm" >&2; exit 1; }
done
log "kernels $K61 $K612 ($(du -m "$ROOT/boot/initrd.img-$K61" | cut -f1) MiB and $(du -m "$ROOT/boot/initrd.img-$K612" | cut -f1) MiB initrds)"

log "configuring"
cp -a "$OVERLAY"/. "$ROOT"/
chown -R root:root "$ROOT/usr/local/sbin" "$ROOT/etc/systemd"
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
BOOT_UUID=$(cat /proc/sys/kernel/random/uuid)
VAR_UUID=$(cat /proc/sys/kernel/random/uuid)
HOME_UUID=$(cat /proc/sys/kernel/random/uuid)
SECRET_UUID=$(cat /proc/sys/kernel/random/uuid)
LUKS_UUID=$(cat /proc/sys/kernel/random/uuid)
DATA_UUID=$(cat /proc/sys/kernel/random/uuid)
MAPPER=/dev/mapper/${VG//-/--}

echo kreboot-server >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkreboot-server\n' >"$ROOT/etc/hosts"
cat >"$ROOT/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
$MAPPER-root	/	ext4	errors=remount-ro	0	1
UUID=$BOOT_UUID	/boot	ext4	defaults	0	2
$MAPPER-var	/var	xfs	defaults	0	2
$MAPPER-home	/home	btrfs	defaults,subvol=@home	0	0
$MAPPER-swap_1	none	swap	sw	0	0
/swap.img	none	swap	sw	0	0
/dev/mapper/secret	/srv/secret	ext4	defaults	0	2
UUID=$DATA_UUID	/data	ext4	defaults	0	2
EOF
mkdir -p "$ROOT/etc/keys" "$ROOT/srv/secret" "$ROOT/data" "$ROOT/var/log/journal"
head -c 64 /dev/urandom >"$ROOT/etc/keys/secret.key"
chmod 700 "$ROOT/etc/keys"
chmod 400 "$ROOT/etc/keys/secret.key"
echo "secret	UUID=$LUKS_UUID	/etc/keys/secret.key	luks,discard" >"$ROOT/etc/crypttab"
chroot "$ROOT" useradd --create-home --shell /bin/bash alice
echo "kreboot integration: alice's home on btrfs" >"$ROOT/home/alice/README"

if [ -f "$ROOT/etc/default/kexec" ]; then # no kexec on `systemctl reboot` (pitfall 7)
	sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$ROOT/etc/default/kexec"
else
	echo 'LOAD_KEXEC=false' >"$ROOT/etc/default/kexec"
fi
# Units the tests do not need (pitfall 11): timers, gettys, debug mounts, kexec-tools' init scripts.
# Module loading stays: the generic kernels need their modules.
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service \
	serial-getty@ttyS0.service getty.target sys-kernel-debug.mount sys-kernel-tracing.mount \
	dev-hugepages.mount dev-mqueue.mount kexec-load.service kexec.service lvm2-monitor.service \
	dm-event.socket lvm2-lvmpolld.socket xfs_scrub_all.timer btrfs-scrub@.timer; do
	ln -sfn /dev/null "$ROOT/etc/systemd/system/$unit"
done
mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants" "$ROOT/etc/systemd/system/multi-user.target.wants"
ln -sfn ../kreboot-it-agent.service "$ROOT/etc/systemd/system/sysinit.target.wants/kreboot-it-agent.service"
# The harness writes each run's kreboot onto /boot (the one file system of this disk the host can write:
# the rest is inside LVM); this unit installs it on / at every boot, before the boot counts as finished.
mkdir -p "$ROOT/usr/local/lib/kreboot-it"
cat >"$ROOT/etc/systemd/system/kreboot-it-install.service" <<'UNIT'
# kreboot integration (server guest): installs the run's kreboot from /boot/kreboot-it/ on /.
[Unit]
Description=kreboot integration: install the run's kreboot binary
RequiresMountsFor=/boot /usr/local
ConditionPathExists=/boot/kreboot-it/kreboot

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'cmp -s /boot/kreboot-it/kreboot /usr/local/bin/kreboot || install -m 755 /boot/kreboot-it/kreboot /usr/local/bin/kreboot'

[Install]
WantedBy=multi-user.target
UNIT
ln -sfn ../kreboot-it-install.service "$ROOT/etc/systemd/system/multi-user.target.wants/kreboot-it-install.service"
mkdir -p "$ROOT/boot/kreboot-it"
# PostgreSQL 15 (its cluster 15/main on /var): listens on the loopback only.
[ -d "$ROOT/var/lib/postgresql/15/main" ] || { echo "build-server-guest: no PostgreSQL 15 cluster" >&2; exit 1; }

cat >"$ROOT/etc/default/grub" <<'GRUB'
# Written by the kreboot integration build (server flavor), for grub-mkconfig.
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 printk.devkmsg=on nokaslr"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
# The builder VM's half: lays out the disk (runs as PID 1 from the root file system, read-only).
cat >"$ROOT/usr/local/lib/kreboot-it/lay-out-server-disk" <<LAYOUT
#!/bin/bash
# kreboot integration: the server guest's disk, laid out inside the builder VM (build-server-guest.sh).
set -euxo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
trap 'echo KREBOOT-IT LAYOUT FAILED; sync; echo o >/proc/sysrq-trigger' ERR
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /run/lvm /run/cryptsetup
# / is read-only here: LVM keeps its metadata archive and backup in a copy of /etc/lvm (copied onto the disk below).
cp -a /etc/lvm /run/lvm-etc
export LVM_SYSTEM_DIR=/run/lvm-etc
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add
udevadm settle
by_label() { blkid -L "\$1"; }
TARGET=""
for dev in /dev/nvme0n*; do
	case \$dev in *p[0-9]*) continue ;; esac
	if [ -z "\$(blkid -p -o value -s TYPE "\$dev" 2>/dev/null)" ] && [ -z "\$(blkid -p -o value -s PTTYPE "\$dev" 2>/dev/null)" ]; then TARGET=\$dev; fi
done
[ -n "\$TARGET" ]
SOURCE_ROOT=\$(findmnt -n -o SOURCE /)
BOOT_IMG=\$(by_label boot); VAR_IMG=\$(by_label var); HOME_IMG=\$(by_label home); SECRET_IMG=\$(by_label secret)
printf 'label: dos\nstart=2048, size=$((BOOT_MIB * 2048)), type=83, bootable\ntype=8e\n' | sfdisk -q "\$TARGET"
udevadm settle
dd if="\$BOOT_IMG" of="\${TARGET}p1" bs=4M conv=sparse status=none
pvcreate -q "\${TARGET}p2"
vgcreate -q $VG "\${TARGET}p2"
lvcreate -y -L ${ROOT_MIB}M -n root $VG
lvcreate -y -L ${VAR_MIB}M -n var $VG
lvcreate -y -L ${HOME_MIB}M -n home $VG
lvcreate -y -L ${SWAP_MIB}M -n swap_1 $VG
lvcreate -y -L ${SECRET_MIB}M -n secret $VG
udevadm settle
dd if="\$SOURCE_ROOT" of=$MAPPER-root bs=4M conv=sparse status=none
dd if="\$VAR_IMG" of=$MAPPER-var bs=4M conv=sparse status=none
dd if="\$HOME_IMG" of=$MAPPER-home bs=4M conv=sparse status=none
mkswap -q -L swap $MAPPER-swap_1
# LUKS2 with PBKDF2 at few iterations: opening it at every boot must not cost seconds under TCG.
cryptsetup luksFormat -q --type luks2 --uuid $LUKS_UUID --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file /etc/keys/secret.key $MAPPER-secret
cryptsetup open --key-file /etc/keys/secret.key $MAPPER-secret secret
dd if="\$SECRET_IMG" of=/dev/mapper/secret bs=4M status=none
sync
cryptsetup close secret
mkdir -p /run/target
mount $MAPPER-root /run/target
mount "\${TARGET}p1" /run/target/boot
# The swap file: written with dd on the mounted root, so it has no holes (mkfs.ext4 -d would make them).
dd if=/dev/zero of=/run/target/swap.img bs=1M count=$SWAP_FILE_MIB status=none
chmod 600 /run/target/swap.img
mkswap -q /run/target/swap.img
cp -a /run/lvm-etc/backup/. /run/target/etc/lvm/backup/
cp -a /run/lvm-etc/archive/. /run/target/etc/lvm/archive/
for m in dev proc sys run; do mount --rbind /\$m /run/target/\$m; done
chroot /run/target grub-install --target=i386-pc "\$TARGET"
chroot /run/target grub-mkconfig -o /boot/grub/grub.cfg
grep -q "root=$MAPPER-root" /run/target/boot/grub/grub.cfg
for m in dev proc sys run; do umount -R /run/target/\$m; done
umount /run/target/boot
umount /run/target
vgchange -q -an $VG
sync
echo KREBOOT-IT LAYOUT OK
echo o >/proc/sysrq-trigger
sleep 60
LAYOUT
chmod 755 "$ROOT/usr/local/lib/kreboot-it/lay-out-server-disk"

[ -s "$ROOT/etc/machine-id" ] || echo "$(cat /proc/sys/kernel/random/uuid | tr -d -)" >"$ROOT/etc/machine-id"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*_Packages

log "making the file system images (/boot ext4, /var xfs, /home btrfs, / ext4, secret ext4)"
t0=$SECONDS
IMG=$WORK/img
mkdir -p "$IMG" "$WORK/empty"
mkfs.ext4 -q -F -L boot -U "$BOOT_UUID" -d "$ROOT/boot" "$IMG/boot.img" ${BOOT_MIB}M >/dev/null
truncate -s ${VAR_MIB}M "$IMG/var.img"
mkfs.xfs -q -L var -m uuid="$VAR_UUID" "$IMG/var.img"
mount_at "$WORK/mnt" -o loop "$IMG/var.img"
cp -a "$ROOT/var/." "$WORK/mnt/"
unmount_last
truncate -s ${HOME_MIB}M "$IMG/home.img"
mkfs.btrfs -q -L home -U "$HOME_UUID" "$IMG/home.img" >/dev/null
mount_at "$WORK/mnt" -o loop "$IMG/home.img"
btrfs subvolume create "$WORK/mnt/@home" >/dev/null
cp -a "$ROOT/home/." "$WORK/mnt/@home/"
unmount_last
mkdir -p "$WORK/secret"
echo "kreboot integration: a LUKS2 volume" >"$WORK/secret/README"
mkfs.ext4 -q -F -L secret -U "$SECRET_UUID" -d "$WORK/secret" "$IMG/secret.img" 32M >/dev/null
# / without the contents of the file systems mounted on it (their mount points stay).
for d in boot var home; do
	mv "$ROOT/$d" "$WORK/moved-$d"
	mkdir "$ROOT/$d"
	chmod --reference="$WORK/moved-$d" "$ROOT/$d"
done
mkfs.ext4 -q -F -L root -U "$ROOT_UUID" -d "$ROOT" "$IMG/root.img" ${ROOT_MIB}M >/dev/null
log "images in $((SECONDS - t0)) s"

log "laying out LVM, LUKS, swap and GRUB in the builder VM (qemu TCG)"
t0=$SECONDS
mkdir -p "$OUT"
truncate -s ${DISK_MIB}M "$OUT/root.img"
qemu-system-x86_64 -accel tcg -smp 2 -m 1024 -nodefaults -no-user-config -display none -no-reboot \
	-kernel "$WORK/moved-boot/vmlinuz-$K61" -initrd "$WORK/moved-boot/initrd.img-$K61" \
	-append "root=LABEL=root ro console=ttyS0 init=/usr/local/lib/kreboot-it/lay-out-server-disk panic=-1" \
	-serial "file:$WORK/builder.log" \
	-drive "file=$IMG/root.img,format=raw,if=none,id=d0,cache=unsafe,readonly=on" \
	-drive "file=$OUT/root.img,format=raw,if=none,id=d1,cache=unsafe" \
	-drive "file=$IMG/boot.img,format=raw,if=none,id=d2,cache=unsafe,readonly=on" \
	-drive "file=$IMG/var.img,format=raw,if=none,id=d3,cache=unsafe,readonly=on" \
	-drive "file=$IMG/home.img,format=raw,if=none,id=d4,cache=unsafe,readonly=on" \
	-drive "file=$IMG/secret.img,format=raw,if=none,id=d5,cache=unsafe,readonly=on" \
	-device nvme,id=nvme0,serial=kreboot-it-builder \
	-device nvme-ns,drive=d0,bus=nvme0,nsid=1 -device nvme-ns,drive=d1,bus=nvme0,nsid=2 \
	-device nvme-ns,drive=d2,bus=nvme0,nsid=3 -device nvme-ns,drive=d3,bus=nvme0,nsid=4 \
	-device nvme-ns,drive=d4,bus=nvme0,nsid=5 -device nvme-ns,drive=d5,bus=nvme0,nsid=6 \
	</dev/null >"$WORK/builder-qemu.log" 2>&1 &
QEMU_PID=$!
deadline=$((SECONDS + 900))
while kill -0 "$QEMU_PID" 2>/dev/null; do
	if [ $SECONDS -gt $deadline ]; then
		kill "$QEMU_PID"
		tail -30 "$WORK/builder.log" >&2
		echo "build-server-guest: the builder VM did not finish within 900 s" >&2
		exit 1
	fi
	sleep 1
done
QEMU_PID=""
grep -q 'KREBOOT-IT LAYOUT OK' "$WORK/builder.log" || {
	tail -40 "$WORK/builder.log" >&2
	echo "build-server-guest: the builder VM failed to lay out the disk" >&2
	exit 1
}
cp "$WORK/builder.log" "$OUT/builder.log"
log "builder VM done in $((SECONDS - t0)) s"

mkdir -p "$WORK/data"
echo "kreboot integration data disk" >"$WORK/data/README"
mkfs.ext4 -q -F -L data -U "$DATA_UUID" -d "$WORK/data" "$OUT/data.img" 512M >/dev/null
cp "$WORK/moved-boot/vmlinuz-$K61" "$OUT/vmlinuz"
# The first entry grub-mkconfig wrote (the newest kernel): what SeaBIOS and GRUB boot.
debugfs -R "dump /grub/grub.cfg $OUT/grub.cfg" "$OUT/root.img?offset=$BOOT_OFFSET" >/dev/null 2>&1
DEFAULT_LINUX=$(awk '$1 == "linux" { print $2; exit }' "$OUT/grub.cfg")
DEFAULT_LINE=$(awk '$1 == "linux" { $1 = ""; print substr($0, 2); exit }' "$OUT/grub.cfg")
[ -n "$DEFAULT_LINUX" ] || { echo "build-server-guest: no linux line in grub.cfg" >&2; exit 1; }
cat >"$OUT/guest.json" <<EOF
{
  "flavor": "server",
  "grubDefaultKernel": "/boot$DEFAULT_LINUX",
  "suite": "$SUITE",
  "mirror": "$MIRROR",
  "kernel61": "$K61",
  "kernel612": "$K612",
  "rootUUID": "$ROOT_UUID",
  "rootDevice": "$MAPPER-root",
  "bootUUID": "$BOOT_UUID",
  "bootOffset": $BOOT_OFFSET,
  "rootOffset": $BOOT_OFFSET,
  "varUUID": "$VAR_UUID",
  "homeUUID": "$HOME_UUID",
  "secretUUID": "$SECRET_UUID",
  "luksUUID": "$LUKS_UUID",
  "volumeGroup": "$VG",
  "dataUUID": "$DATA_UUID",
  "commandLine": "BOOT_IMAGE=$DEFAULT_LINE"
}
EOF
log "done in $((SECONDS - t_start)) s: $OUT"
