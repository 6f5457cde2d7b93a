@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

@Suite struct MountClassifierTests {
    private func complexTable() throws -> [MountEntry] {
        try MountTableReader.read(root: SnapshotFixtures.root("mounts-complex")).entries
    }

    private func decision(_ target: String, id: Int? = nil, in mounts: [MountEntry]) -> MountClassifier.Decision? {
        MountClassifier.classify(mounts).first { $0.mount.target == target && (id == nil || $0.mount.id == id) }?.decision
    }

    @Test func unmountOrderOfAComplexTable() throws {
        let order = MountClassifier.mountsToUnmount(try complexTable()).map(\.target)
        #expect(order == [
            "/srv/data/archive/2024", "/srv/data/image", "/srv/data/scratch", "/home/alice/remote",
            "/run/media/alice/usb", "/srv/cache", "/srv/data/archive", "/boot/efi", "/srv/containers/merged",
            "/media/My Disk", "/srv/cache", "/mnt/share", "/var/lib/docker/overlay2/3f2a/merged", "/mnt/nfs",
            "/var/www", "/srv/data", "/home", "/boot",
        ])
    }

    @Test func childrenGoBeforeParentsAndOverlaysBeforeTheirDirectories() throws {
        let mounts = try complexTable()
        let order = MountClassifier.mountsToUnmount(mounts)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1.id, $0) })
        let byID = Dictionary(uniqueKeysWithValues: mounts.map { ($0.id, $0) })
        var checkedPairs = 0
        for mount in order {
            var parent = byID[mount.parentID]
            while let p = parent {
                if let parentPosition = position[p.id] {
                    #expect(position[mount.id]! < parentPosition, "\(mount.target) must go before \(p.target)")
                    checkedPairs += 1
                }
                parent = byID[p.parentID]
            }
        }
        #expect(checkedPairs >= 8)
        #expect(position[62]! < position[42]!)  // overlay with upperdir on /srv/data before /srv/data
        #expect(position[56]! < position[55]!)  // top of the stack on /srv/cache first
    }

    @Test func leavesRootReadOnlyVirtualAndApiMountsAlone() throws {
        let mounts = try complexTable()
        let targets = Set(MountClassifier.mountsToUnmount(mounts).map(\.target))
        for kept in ["/", "/proc", "/sys", "/dev", "/dev/pts", "/run", "/run/user/1000", "/run/user/1000/doc", "/tmp",
                     "/sys/fs/cgroup", "/proc/sys/fs/binfmt_misc", "/snap/core22/1122", "/mnt/backup", "/mnt/live"] {
            #expect(!targets.contains(kept), "\(kept) should be left alone")
        }
        #expect(decision("/", in: mounts) == .init(unmount: false, reason: "the root file system: remounted read-only, not unmounted"))
        #expect(decision("/mnt/backup", in: mounts) == .init(unmount: false, reason: "read-only (ext4): nothing to flush"))
        #expect(decision("/tmp", in: mounts) == .init(unmount: false, reason: "virtual file system (tmpfs)"))
        #expect(decision("/mnt/live", in: mounts) == .init(unmount: false,
                                                             reason: "overlay with its upper directory /run/live/upper on /run (tmpfs)"))
    }

    @Test func reasonsForDataMounts() throws {
        let mounts = try complexTable()
        #expect(decision("/srv/data", in: mounts)?.reason == "block device file system (xfs on /dev/vdb)")
        #expect(decision("/var/www", in: mounts)?.reason == "/exports/www of /dev/vdb (xfs): a bind mount or subvolume")
        #expect(decision("/mnt/nfs", in: mounts)?.reason == "network file system (nfs4 from server.example:/export/home)")
        #expect(decision("/home/alice/remote", in: mounts)?.reason == "network file system (fuse.sshfs from alice@files.example:/srv)")
        #expect(decision("/srv/containers/merged", in: mounts)?.reason == "overlay, upper directory /srv/data/upper on /srv/data (xfs)")
        #expect(decision("/run/media/alice/usb", in: mounts)?.unmount == true)
        #expect(decision("/srv/data/scratch", in: mounts) == .init(unmount: true, reason: "mounted below /srv/data, which is unmounted"))
        #expect(decision("/srv/data/image", in: mounts)?.unmount == true)
    }

    @Test func mtabOrderFollowsPaths() throws {
        let mounts = try MountTableReader.read(root: SnapshotFixtures.root("mounts-mtab")).entries
        #expect(MountClassifier.mountsToUnmount(mounts).map(\.target) == ["/home/backup", "/srv/media", "/home"])
    }

    @Test func stackedMountsWithoutIDsTopFirst() {
        let mounts = [
            MountEntry(source: "/dev/sda1", target: "/", fstype: "ext4"),
            MountEntry(source: "/dev/sdb1", target: "/srv", fstype: "ext4"),
            MountEntry(source: "/dev/sdc1", target: "/srv", fstype: "xfs"),
        ]
        #expect(MountClassifier.mountsToUnmount(mounts).map(\.source) == ["/dev/sdc1", "/dev/sdb1"])
    }

    @Test func aMountHiddenByALaterOneGoesAfterIt() {
        // /srv/a/b was mounted first, then /srv on top of the path: /srv/a/b is unreachable until /srv is gone.
        let mounts = [
            MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4"),
            MountEntry(id: 2, parentID: 1, source: "/dev/sdb1", target: "/srv/a/b", fstype: "ext4"),
            MountEntry(id: 3, parentID: 1, source: "/dev/sdc1", target: "/srv", fstype: "ext4"),
        ]
        #expect(MountClassifier.mountsToUnmount(mounts).map(\.target) == ["/srv", "/srv/a/b"])
    }

    @Test func superblockReadOnlyAndUnknownTypes() {
        let mounts = [
            MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4"),
            MountEntry(id: 2, parentID: 1, source: "/dev/sdb1", target: "/data", fstype: "ext4", vfsOptions: "rw", fsOptions: "ro"),
            MountEntry(id: 3, parentID: 1, source: "tmpfs", target: "/run", fstype: "tmpfs"),
            MountEntry(id: 4, parentID: 3, source: "gvfs", target: "/run/user/1000/gvfs", fstype: "fuse.mystery"),
            MountEntry(id: 5, parentID: 1, source: "thing", target: "/opt/thing", fstype: "fuse.mystery"),
            MountEntry(id: 6, parentID: 1, source: "overlay", target: "/opt/ro", fstype: "overlay", fsOptions: "rw,lowerdir=/a:/b"),
        ]
        let decisions = MountClassifier.classify(mounts).map(\.decision)
        #expect(decisions[1] == .init(unmount: false, reason: "read-only (ext4): nothing to flush"))
        #expect(decisions[3] == .init(unmount: false, reason: "below /run, not a data file system (fuse.mystery)"))
        #expect(decisions[4] == .init(unmount: false, reason: "not a known data file system (fuse.mystery)"))
        #expect(decisions[5] == .init(unmount: false, reason: "overlay without an upper directory (read-only)"))
        #expect(MountClassifier.mountsToUnmount(mounts).isEmpty)
    }

    @Test func sameDeviceMountedTwice() {
        let mounts = [
            MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4", device: "8:1"),
            MountEntry(id: 2, parentID: 1, source: "/dev/sdb1", target: "/srv", fstype: "ext4", device: "8:17"),
            MountEntry(id: 3, parentID: 1, source: "/dev/sdb1", target: "/mnt/again", fstype: "ext4", device: "8:17"),
        ]
        let reasons = MountClassifier.classify(mounts).map(\.decision.reason)
        #expect(reasons[2] == "/dev/sdb1 (ext4) again, also mounted at /srv")
        #expect(MountClassifier.mountsToUnmount(mounts).map(\.target) == ["/mnt/again", "/srv"])
    }

    @Test func aLoopInParentIDsStillEnds() {
        let mounts = [
            MountEntry(id: 5, parentID: 6, source: "/dev/sdb1", target: "/a", fstype: "ext4"),
            MountEntry(id: 6, parentID: 5, source: "/dev/sdc1", target: "/b", fstype: "ext4"),
        ]
        #expect(Set(MountClassifier.mountsToUnmount(mounts).map(\.target)) == ["/a", "/b"])
    }

    @Test func manyContainerOverlaysGoBeforeTheDiskTheyLiveOn() {
        var mounts = [
            MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4", device: "8:1"),
            MountEntry(id: 2, parentID: 1, source: "/dev/sdb1", target: "/var/lib/docker", fstype: "xfs", device: "8:17"),
        ]
        for n in 0..<1000 {
            let dir = "/var/lib/docker/overlay2/c\(n)"
            mounts.append(MountEntry(id: 10 + 2 * n, parentID: 2, source: "overlay", target: dir + "/merged", fstype: "overlay",
                                     fsOptions: "rw,lowerdir=/var/lib/docker/overlay2/l/A\(n),upperdir=\(dir)/diff,workdir=\(dir)/work"))
            mounts.append(MountEntry(id: 11 + 2 * n, parentID: 1, source: "tmpfs", target: "/var/lib/kubelet/pods/p\(n)/secret",
                                     fstype: "tmpfs"))
        }
        let order = MountClassifier.mountsToUnmount(mounts)
        #expect(order.count == 1001)
        #expect(order.last?.target == "/var/lib/docker")
        #expect(order.first?.target == "/var/lib/docker/overlay2/c999/merged")
    }

    @Test func nothingToUnmountOnAnEmptyTable() {
        #expect(MountClassifier.mountsToUnmount([]).isEmpty)
        #expect(MountClassifier.classify([]).isEmpty)
    }

    @Test func hostTableClassifiesEveryMount() throws {
        let mounts = try MountTableReader.read(root: RootDirectory()).entries
        let classified = MountClassifier.classify(mounts)
        #expect(classified.count == mounts.count)
        #expect(classified.allSatisfy { !$0.decision.reason.isEmpty })
        let order = MountClassifier.mountsToUnmount(mounts)
        #expect(!order.contains { $0.target == "/" || $0.fstype == "proc" || $0.fstype == "sysfs" })
    }
}
