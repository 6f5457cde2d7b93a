extension MountEntry {
    /// Whether the mount's data lives on another machine: a network file system type (nfs, nfs4, cifs, smb3,
    /// ceph, …), or any mount whose options say `_netdev` (e.g. ext4 on an iSCSI disk). `netdev` is whether
    /// fstab or libmount's utab gives it `_netdev` (the kernel's table does not carry that option).
    public func isNetworkMount(netdev: Bool = false) -> Bool {
        fileSystemKind == .network || netdev || MountEntry.options(fsOptions, contain: "_netdev")
    }

    /// The server a network mount's source names: `10.0.9.1` of `10.0.9.1:/srv/nfs`, `fe80::1` of
    /// `[fe80::1]:/x`, `fs` of `//fs/share`, `host` of `user@host:/dir` (sshfs), `mon1` of `mon1,mon2:/` (ceph);
    /// the source itself when it names none.
    public var networkServer: String {
        var text = Substring(source)
        if text.hasPrefix("//") {  // CIFS: //server/share
            text = text.dropFirst(2)
            return String(text.prefix { $0 != "/" && $0 != "\\" })
        }
        if let at = text.firstIndex(of: "@"), text[..<at].allSatisfy({ $0 != ":" && $0 != "/" }) {
            text = text[text.index(after: at)...]
        }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        guard let colon = text.firstIndex(of: ":") else { return source }
        let host = text[..<colon].split(separator: ",").first.map(String.init) ?? ""
        return host.isEmpty ? source : host
    }
}
