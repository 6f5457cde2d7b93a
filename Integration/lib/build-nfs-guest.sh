#!/usr/bin/env bash
# Builds the `nfs` guest flavor into OUT_DIR from a built `kernel` guest in BASE_DIR (issue 13, item 3).
# Usage: build-nfs-guest.sh BASE_DIR OUT_DIR     (as root; a minute or two)
#
# One image serves both machines of the NFS scenarios, told apart by their NIC's MAC address:
#   the NFS peer   52:54:00:4e:46:01  10.0.9.1/24  exports /srv/nfs (nfs-server runs only when the kernel
#                                                  command line has kreboot_it.role=nfs-server)
#   the client     52:54:00:4e:46:02  10.0.9.2/24  the lab guest with the NFS client (the scenario writes
#                                                  /mnt/nfs into its fstab with _netdev)
# Added to the kernel flavor: nfs-kernel-server, nfs-common, OpenSSH, samba and vsftpd (the netdump-sftp,
# netdump-cifs and netdump-ftp scenarios' servers and client; sshd, smbd and vsftpd, like the NFS server, run
# only on the peer), libcurl4 (kreboot's ftp transport dlopens libcurl.so.4 in the capture boot) (chroot
# apt-get, no service started), the ftp peer's user `ftpdump` (home /srv/ftpdump, its password set by the
# scenario; vsftpd in passive mode on the private link), the cifs module with the NFS ones, the
# kernel modules NFS and the NIC need for both kernels (the cloud kernels build nfs, nfsv4, nfsd, sunrpc
# and virtio_net as modules: only those and their dependencies are copied, resolved with the host's kmod),
# and systemd-networkd with systemd-networkd-wait-online (so `_netdev` mounts wait for the address).
# The images of BASE_DIR are copied, never changed; BASE_DIR's build script is not touched, so adding this
# flavor changes no other flavor's recipe hash.
set -euo pipefail

BASE=${1:?usage: build-nfs-guest.sh BASE_DIR OUT_DIR}
OUT=${2:?usage: build-nfs-guest.sh BASE_DIR OUT_DIR}
log() { echo "build-nfs-guest: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "build-nfs-guest: must run as root (loop mount, chroot)" >&2; exit 1; }
[ -f "$BASE/guest.json" ] || { echo "build-nfs-guest: $BASE is not a built guest" >&2; exit 1; }
[ ! -e "$OUT" ] || { echo "build-nfs-guest: $OUT already exists" >&2; exit 1; }
for tool in python3 apt-get dpkg-deb depmod modprobe; do
	command -v "$tool" >/dev/null || { echo "build-nfs-guest: $tool missing (make deps)" >&2; exit 1; }
done
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$BASE/guest.json" "$1"; }
K61=$(field kernel61)
K612=$(field kernel612)
OFFSET=$(field rootOffset)

WORK=$(mktemp -d /var/tmp/kreboot-it-nfs.XXXXXX)
MNT=$WORK/mnt
cleanup() {
	# Never leave mounts or loop devices behind (GUEST-FACTS pitfall 12).
	for m in dev/pts dev proc sys ""; do
		if mountpoint -q "$MNT/$m" 2>/dev/null; then umount "$MNT/$m" || umount -l "$MNT/$m"; fi
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$OUT.tmp" "$MNT"
trap 'cleanup; rm -rf "$OUT.tmp"' EXIT
for f in root.img data.img vmlinuz; do cp --sparse=always "$BASE/$f" "$OUT.tmp/$f"; done

log "kernel modules for $K61 and $K612"
(cd "$WORK" && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$K61" "linux-image-$K612")
mkdir -p "$WORK/kernels"
for deb in "$WORK"/*.deb; do dpkg-deb -x "$deb" "$WORK/kernels"; done

mount -o loop,offset="$OFFSET" "$OUT.tmp/root.img" "$MNT"
for rel in "$K61" "$K612"; do
	depmod -b "$WORK/kernels" "$rel"
	mods=$(modprobe -d "$WORK/kernels" -S "$rel" --show-depends -a virtio_pci virtio_net nfs nfsv4 nfsv3 nfsd cifs 2>/dev/null |
		awk '$1 == "insmod" { print $2 }' | sort -u)
	# cifs' soft dependencies (SMB3 signing and encryption), which --show-depends does not follow; each one
	# that this kernel has as a module (some are built in, some do not exist in every release).
	for soft in cmac ccm gcm ctr ghash_generic ghash_clmulni_intel gf128mul seqiv aesni_intel aes_generic sha512_generic \
		md4 md5 arc4 ecb des_generic nls_utf8; do
		mods="$mods
$(modprobe -d "$WORK/kernels" -S "$rel" --show-depends "$soft" 2>/dev/null | awk '$1 == "insmod" { print $2 }' || true)"
	done
	mods=$(echo "$mods" | grep . | sort -u)
	echo "$mods" | grep -q '/nfsd\.ko' || { echo "build-nfs-guest: no nfsd module in $rel" >&2; exit 1; }
	echo "$mods" | grep -q '/nfsv4\.ko' || { echo "build-nfs-guest: no nfsv4 module in $rel" >&2; exit 1; }
	for m in $mods; do
		rel_path=${m#"$WORK/kernels"}
		mkdir -p "$MNT$(dirname "$rel_path")"
		cp "$m" "$MNT$rel_path"
	done
	for f in "$WORK"/kernels/lib/modules/"$rel"/modules.{order,builtin,builtin.modinfo}; do
		[ -f "$f" ] && cp "$f" "$MNT/lib/modules/$rel/"
	done
	depmod -b "$MNT" "$rel"
done

log "nfs-kernel-server and nfs-common (chroot apt-get)"
for m in dev dev/pts proc sys; do mount --bind "/$m" "$MNT/$m"; done
cp /etc/resolv.conf "$MNT/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$MNT/usr/sbin/policy-rc.d"
chmod 755 "$MNT/usr/sbin/policy-rc.d"
chroot "$MNT" apt-get update -qq >"$WORK/apt.log" 2>&1 &&
	DEBIAN_FRONTEND=noninteractive chroot "$MNT" apt-get install -y -qq --no-install-recommends \
		nfs-kernel-server nfs-common openssh-server openssh-client samba vsftpd libcurl4 >>"$WORK/apt.log" 2>&1 ||
	{ tail -20 "$WORK/apt.log" >&2; echo "build-nfs-guest: apt-get install failed" >&2; exit 1; }
chroot "$MNT" apt-get clean
rm -f "$MNT/usr/sbin/policy-rc.d" "$MNT"/var/lib/apt/lists/*_Packages "$MNT"/var/lib/apt/lists/*_Translation-*
: >"$MNT/etc/resolv.conf"
for m in dev/pts dev proc sys; do umount "$MNT/$m"; done

log "configuring"
mkdir -p "$MNT/etc/systemd/network" "$MNT/srv/nfs" "$MNT/mnt/nfs"
for role in 1 2; do
	cat >"$MNT/etc/systemd/network/10-nfs-link-$role.network" <<NET
# The private link between the two NFS guests (a unix-socket netdev between their qemu processes).
[Match]
MACAddress=52:54:00:4e:46:0$role

[Network]
Address=10.0.9.$role/24
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
done
echo "/srv/nfs 10.0.9.0/24(rw,sync,no_subtree_check,no_root_squash)" >"$MNT/etc/exports"
echo "NFS export of the kreboot NFS peer" >"$MNT/srv/nfs/README"
# The SMB share of the peer (netdump-cifs): [crash] is /srv/cifs, for the user the scenario adds.
mkdir -p "$MNT/srv/cifs"
cat >"$MNT/etc/samba/smb.conf" <<'SMB'
[global]
   server role = standalone server
   map to guest = never
   disable netbios = yes
   smb ports = 445
[crash]
   path = /srv/cifs
   read only = no
   valid users = kdump
SMB
# The FTP server of the peer (netdump-ftp): local users only, writable, passive data connections on a small
# port range; `ftpdump` logs in to its home /srv/ftpdump (ftp URL paths are relative to it). No seccomp sandbox
# (vsftpd's is known to kill sessions on some kernels' syscalls).
chroot "$MNT" useradd -d /srv/ftpdump -m -s /bin/sh ftpdump
cat >"$MNT/etc/vsftpd.conf" <<'FTP'
listen=YES
listen_ipv6=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40100
secure_chroot_dir=/var/run/vsftpd/empty
pam_service_name=vsftpd
seccomp_sandbox=NO
xferlog_enable=YES
FTP
# Only the NFS peer serves; the client guest boots the same image without kreboot_it.role=nfs-server and
# starts none of the server's units (loading nfsd for /proc/fs/nfsd alone took 30 s of a loaded host's boot).
for unit in nfs-server.service nfs-mountd.service nfsdcld.service nfs-idmapd.service nfs-blkmap.service \
	rpc-svcgssd.service proc-fs-nfsd.mount ssh.service smbd.service nmbd.service samba-ad-dc.service vsftpd.service; do
	mkdir -p "$MNT/etc/systemd/system/$unit.d"
	cat >"$MNT/etc/systemd/system/$unit.d/kreboot-it-role.conf" <<'UNIT'
[Unit]
ConditionKernelCommandLine=kreboot_it.role=nfs-server
UNIT
done
# The client's network must come up at boot and stay up through nothing but its own quiesce: networkd,
# and wait-online so network-online.target (which `_netdev` mounts wait for) means the address is there.
mkdir -p "$MNT/etc/systemd/system/multi-user.target.wants" "$MNT/etc/systemd/system/network-online.target.wants"
ln -sfn /lib/systemd/system/systemd-networkd.service "$MNT/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
ln -sfn /lib/systemd/system/systemd-networkd-wait-online.service \
	"$MNT/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
mkdir -p "$MNT/etc/systemd/system/systemd-networkd-wait-online.service.d"
cat >"$MNT/etc/systemd/system/systemd-networkd-wait-online.service.d/timeout.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --timeout=60
UNIT
umount "$MNT"

python3 - "$BASE/guest.json" "$OUT.tmp/guest.json" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
manifest.update(flavor="nfs", peerAddress="10.0.9.1", clientAddress="10.0.9.2", export="/srv/nfs",
                peerMAC="52:54:00:4e:46:01", clientMAC="52:54:00:4e:46:02")
json.dump(manifest, open(sys.argv[2], "w"), indent=2)
PY
mv "$OUT.tmp" "$OUT"
trap cleanup EXIT
log "done in $SECONDS s: $OUT"
