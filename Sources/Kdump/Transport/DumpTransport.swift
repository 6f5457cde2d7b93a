import KexecCore
import RebootPlan

/// How a capture boot's dump files reach their target, whatever the protocol: `prepare` (mount, make the
/// directory), then for each file `begin` (an incomplete name) → `DumpUpload.stream` → `commit` (renamed to
/// its final name once complete) or `abort`, and `finish` (unmount). A file is never under its final name
/// before it is whole.
///
/// Implementations: `LocalDumpTransport` (a local directory), `MountedDumpTransport` (NFS and CIFS through
/// the kernel's clients, mount(2)), `SftpDumpTransport` (OpenSSH, streamed). `DumpTransports.make` picks one
/// for a `DumpTarget`. The network itself is brought up before, by the capture boot (the seam for the next
/// step of issue 16).
public protocol DumpTransport {
    /// What and where, for messages; the password masked.
    var summary: String { get }
    /// Makes the target usable and creates `directory` (relative to the target's directory).
    func prepare(directory: String) throws(KexecError)
    /// Starts `directory/name` under its incomplete name.
    func begin(directory: String, name: String) throws(KexecError) -> any DumpUpload
    /// Releases the target (unmounts); safe to call after a failure.
    func finish()
}

/// One file on its way: streamed under an incomplete name, then committed or aborted.
public protocol DumpUpload {
    /// Copies everything `source` yields until end of file (makedumpfile's flattened output `-F`, a pipe).
    /// Returns the bytes written.
    func stream(from source: Int32) throws(KexecError) -> UInt64
    /// Gives the file its final name (after syncing it where the protocol can).
    func commit() throws(KexecError)
    /// Removes the incomplete file where possible; never throws.
    func abort()
}
