#!/usr/bin/env bash
# Builds the capture-capable arm64 kernel of the arm64-kdump scenario (issue 18) and prints its cache folder.
# No Debian arm64 kernel has CONFIG_KEXEC_FILE (checked 6.1 cloud and generic, 6.12 backports and trixie), so
# kreboot's kexec_file_load path and a capture kernel with a readable /proc/vmcore need a kernel built here:
#   source   Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz), cross-compiled by gcc-aarch64-linux-gnu
#   config   arm64 defconfig without the SoC platforms and the hardware a qemu `virt` machine has not, plus
#            KEXEC_FILE, CRASH_DUMP, PROC_VMCORE, PROC_KCORE, KALLSYMS_ALL; NVMe, ext4 and the pl011 console built
#            in (the guest boots with -kernel, no initramfs); release <version>-kreboot-it
#   output   $KREBOOT_IT_CACHE/arm64-kernel-<hash of this script, the source and the compiler>/
#            Image, config, System.map, kernel.json (release, build seconds)
# The build is `nice -n 10 make -j2 Image` (about 15 minutes on 2 busy cores); a lock keeps two runs from
# building the same entry. Usage (as root or as anyone who may write the cache): build-arm64-kernel.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${KREBOOT_IT_CACHE:-/var/cache/kreboot-it}
SOURCE_TARBALL=/usr/src/linux-source-6.1.tar.xz
LOCALVERSION=-kreboot-it
log() { echo "build-arm64-kernel: $*" >&2; }

[ -r "$SOURCE_TARBALL" ] || { log "$SOURCE_TARBALL missing (make deps installs linux-source-6.1)"; exit 69; }
command -v aarch64-linux-gnu-gcc >/dev/null || { log "aarch64-linux-gnu-gcc missing (make deps)"; exit 69; }
for tool in flex bison bc make; do
	command -v "$tool" >/dev/null || { log "$tool missing (make deps)"; exit 69; }
done

source_version=$(dpkg-query -W -f '${Version}' linux-source-6.1)
compiler=$(aarch64-linux-gnu-gcc --version | head -1)
recipe=$({ cat "$0"; echo "$source_version"; echo "$compiler"; } | sha256sum | cut -c1-16)
ENTRY=$CACHE/arm64-kernel-$recipe
mkdir -p "$CACHE"
exec 9>"$CACHE/arm64-kernel.lock"
flock 9
if [ -e "$ENTRY/kernel.json" ]; then
	touch "$ENTRY"  # in use: the guest cache prunes what is unused for days
	echo "$ENTRY"
	exit 0
fi

start=$(date +%s)
WORK=$ENTRY.partial
rm -rf "$WORK" && mkdir -p "$WORK"
log "unpacking linux-source-6.1 $source_version into $WORK"
tar -C "$WORK" -xf "$SOURCE_TARBALL"
cd "$WORK/linux-source-6.1"
export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-

log "configuring (defconfig without SoC platforms, with kexec_file_load and crash dumps)"
make -s defconfig
# Every SoC platform off: their drivers depend on ARCH_*, and qemu's virt machine has none of them.
for platform in $(grep -oE '^CONFIG_ARCH_[A-Z0-9_]+=y' .config | cut -d= -f1 | sed 's/^CONFIG_//'); do
	scripts/config --disable "$platform"
done
for option in DRM SOUND SND MEDIA_SUPPORT WLAN WIRELESS CFG80211 BT NFC CAN USB_SUPPORT MMC \
	INPUT_TOUCHSCREEN STAGING CHROME_PLATFORMS SURFACE_PLATFORMS XEN KVM VIRTUALIZATION \
	INFINIBAND MTD SPI I2C IIO PWM REGULATOR COMMON_CLK_SCPI ETHERNET FB \
	ATA SCSI_UFSHCD SLIMBUS SOUNDWIRE INTERCONNECT RESET_CONTROLLER FPGA REMOTEPROC RPMSG \
	NFS_FS ROOT_NFS IPV6 NETFILTER BRIDGE VLAN_8021Q DEBUG_INFO DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
	ARM_SCMI_PROTOCOL ARM_SCPI_PROTOCOL QCOM_SCM TEE HWSPINLOCK MAILBOX THERMAL CPU_FREQ PM_DEVFREQ \
	DEVFREQ_GOV_SIMPLE_ONDEMAND LOCALVERSION_AUTO; do
	scripts/config --disable "$option"
done
for option in KEXEC KEXEC_FILE CRASH_DUMP PROC_VMCORE PROC_KCORE KALLSYMS KALLSYMS_ALL PCI PCI_HOST_GENERIC \
	BLK_DEV_NVME NVME_CORE VIRTIO VIRTIO_PCI VIRTIO_BLK VIRTIO_NET VIRTIO_CONSOLE EXT4_FS SERIAL_AMBA_PL011 \
	SERIAL_AMBA_PL011_CONSOLE RTC_DRV_PL031 DEVTMPFS DEVTMPFS_MOUNT CGROUPS MEMCG BLK_CGROUP CGROUP_BPF \
	BPF_SYSCALL INOTIFY_USER FHANDLE TMPFS TMPFS_POSIX_ACL AUTOFS_FS UNIX NET INET SECCOMP SIGNALFD TIMERFD \
	EPOLL PROC_FS SYSFS PRINTK DMI SYSVIPC POSIX_MQUEUE ARM64_VA_BITS_48 RANDOMIZE_BASE EFI RELOCATABLE \
	HW_RANDOM_VIRTIO; do
	scripts/config --enable "$option"
done
scripts/config --set-str LOCALVERSION "$LOCALVERSION"
make -s olddefconfig
for required in KEXEC_FILE CRASH_DUMP PROC_VMCORE BLK_DEV_NVME EXT4_FS SERIAL_AMBA_PL011_CONSOLE PCI_HOST_GENERIC; do
	grep -q "^CONFIG_$required=y" .config || { log "CONFIG_$required is not =y after olddefconfig"; exit 70; }
done

log "building Image (nice -n 10, -j2)"
nice -n 10 make -s -j2 Image >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 70; }
release=$(make -s kernelrelease)
cp arch/arm64/boot/Image "$WORK/Image"
cp .config "$WORK/config"
cp System.map "$WORK/System.map"
cd "$WORK"
rm -rf "$WORK/linux-source-6.1"
printf '{"release": "%s", "source": "linux-source-6.1 %s", "compiler": "%s", "buildSeconds": %d}\n' \
	"$release" "$source_version" "$compiler" "$(($(date +%s) - start))" >"$WORK/kernel.json"
rm -rf "$ENTRY" && mv "$WORK" "$ENTRY"
log "done in $(($(date +%s) - start)) s: $ENTRY ($release)"
echo "$ENTRY"
