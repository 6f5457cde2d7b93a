import LinuxSystem

extension LibmountMountOperations {
    /// What the child of `ChildProcessNetworkMounts` does: one operation on a network file system through
    /// libmount, without helpers (the umount2 or mount syscall itself) and without resolving paths (a stat
    /// through a dead server's mount would hang). A target no longer in the table counts as unmounted; one
    /// mounted there already from the same source counts as mounted again.
    public func network(_ operation: NetworkMountOperation, _ mount: MountEntry, detach: Bool = false,
                        force: Bool = false) throws(QuiesceError) {
        let path = mount.target
        let table = try? MountTableReader.read(mountInfo: mountInfo)
        let mounted = table?.contains { $0.target == path && $0.source == mount.source }
        switch operation {
        case .unmount:
            if let table, !table.contains(where: { $0.target == path }) { return }
            let what = detach ? "detach \(path) (umount2 MNT_DETACH\(force ? "|MNT_FORCE" : ""))" : "umount \(path)"
            let context = try MountContext(operation: what, path: path)
            try context.disableHelpers()
            try context.disableCanonicalize()
            if detach { try context.enableLazy() }
            if force { try context.enableForce() }
            try context.unmount()
        case .remountReadOnly, .remountReadWrite:
            let ro = operation == .remountReadOnly
            let context = try MountContext(operation: "remount \(path) \(ro ? "read-only" : "read-write")", path: path)
            try context.disableHelpers()
            try context.disableCanonicalize()
            try context.setOptions(ro ? "remount,ro" : "remount,rw")
            try context.mount()
        case .mountAgain:
            if mounted == true { return }
            // The helper (mount.nfs) this time: it turns the table's options into what the kernel wants.
            try mountAgain(mount)
        }
    }
}
