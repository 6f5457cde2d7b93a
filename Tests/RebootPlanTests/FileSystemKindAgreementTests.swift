@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// The planner (`MountClassifier`) and the executor's last gate (`MountEntry.isLocalReadWrite`, which
/// `LibmountMountOperations.readWriteLocalMounts` filters by) read one classification, `FileSystemKind`:
/// every mount the gate would refuse to kexec with is one the planner unmounts.
@Suite struct FileSystemKindAgreementTests {
    static let root = MountEntry(id: 1, parentID: 0, source: "/dev/vda1", target: "/", fstype: "ext4", vfsOptions: "rw")

    /// Every known type, some unknown ones, and overlay, each from a device, a remote and a pseudo source.
    static var mounts: [MountEntry] {
        let types = FileSystemKind.localDiskTypes.union(FileSystemKind.networkTypes).union(FileSystemKind.virtualTypes)
            .union(FileSystemKind.readOnlyTypes).union(["overlay", "someotherfs", "fuse.unknown"]).sorted()
        var mounts: [MountEntry] = []
        for (t, type) in types.enumerated() {
            for (s, source) in ["/dev/vdb", "server:/export", "none"].enumerated() {
                for (o, options) in [("rw", "rw"), ("ro", "ro"), ("rw", "ro")].enumerated() {
                    let id = 10 + (t * 3 + s) * 3 + o
                    mounts.append(MountEntry(id: id, parentID: 1, source: source, target: "/mnt/\(id)", fstype: type,
                                             vfsOptions: options.0, fsOptions: options.1, device: "254:\(id)"))
                }
            }
        }
        return mounts
    }

    @Test func thePlannerUnmountsEveryMountTheGateWouldRefuse() {
        for mount in Self.mounts {
            let unmounted = MountClassifier.mountsToUnmount([Self.root, mount]).contains(mount)
            switch mount.fileSystemKind {
            case .network:
                // Network file systems are unmounted for their server's sake; the gate is about local disks.
                #expect(unmounted == !(mount.isReadOnly || mount.isSuperblockReadOnly), "\(mount)")
                #expect(!mount.isLocalReadWrite)
            case .overlay:
                // No upper directory here: the overlay itself stores nothing.
                #expect(!unmounted && !mount.isLocalReadWrite)
            default:
                #expect(unmounted == mount.isLocalReadWrite, "\(mount.fstype) from \(mount.source), \(mount.vfsOptions)/\(mount.fsOptions)")
            }
        }
    }

    @Test func theTypesTheTwoListsDisagreedOnAreLocalDisks() {
        for type in ["udf", "ocfs2", "gfs2", "reiser4"] {
            #expect(FileSystemKind(type: type) == .localDisk, "\(type)")
            #expect(MountEntry(source: "/dev/sdb1", target: "/mnt", fstype: type, vfsOptions: "rw", fsOptions: "rw").isLocalReadWrite)
            #expect(MountClassifier.blockFileSystems.contains(type))
        }
    }

    @Test func eachTypeHasOneKind() {
        let lists = [FileSystemKind.localDiskTypes, FileSystemKind.networkTypes, FileSystemKind.virtualTypes,
                     FileSystemKind.readOnlyTypes]
        for (i, a) in lists.enumerated() {
            for b in lists[(i + 1)...] { #expect(a.isDisjoint(with: b), "\(a.intersection(b))") }
        }
    }

    @Test func anUnknownTypeFromADeviceIsALocalDisk() {
        #expect(MountEntry(source: "/dev/mapper/vg-home", target: "/home", fstype: "newfs", vfsOptions: "rw").fileSystemKind == .localDisk)
        #expect(MountEntry(source: "pool/home", target: "/home", fstype: "newfs", vfsOptions: "rw").fileSystemKind == .unknown)
        #expect(MountEntry(source: "/dev/shm", target: "/dev/shm", fstype: "tmpfs", vfsOptions: "rw").fileSystemKind == .virtual)
    }
}
