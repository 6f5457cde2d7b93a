import KexecCore
import RebootPlan

/// A transport that sends the dump to a server kreboot does not mount (sftp, ftp), file by file: what
/// `StreamedDumpSave` needs besides `DumpTransport` — where a file is on the server (for messages and the
/// test record) and, where the protocol can list, kreboot's old dump directories there (KDUMP_KEEP_OLD_DUMPS).
public protocol StreamingDumpTransport: DumpTransport {
    var target: DumpTarget { get }
    /// The server's path of `name` in `directory` (below the target's path), the directory itself for nil.
    func remotePath(_ directory: String, _ name: String?) -> String
    /// The target's dump directories that hold `kreboot-dump.json`, by name; nil when the protocol cannot list
    /// them (old dumps are then not rotated, and the console says so).
    func krebootDumps() throws(KexecError) -> [String]?
    /// Removes one of them, with what it holds.
    func removeDump(_ name: String) throws(KexecError)
}
