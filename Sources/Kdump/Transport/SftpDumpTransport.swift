import KexecCore
import LinuxSystem
import RebootPlan

/// An sftp target through OpenSSH, streamed: each file goes over one `ssh -i KEY -o BatchMode=yes
/// user@host` connection into `DIR/NAME.incomplete` (`cat >`, the data on ssh's stdin straight from the
/// producer's pipe — makedumpfile's flattened output `-F` for the vmcore — so no local disk is needed),
/// then `mv` gives it its final name; an abort removes it. Key authentication only (BatchMode: never a
/// password prompt); the remote commands quote every path.
public struct SftpDumpTransport: StreamingDumpTransport {
    public var target: DumpTarget
    public var sshPath: String
    public var runner: any SubprocessRunner
    /// How long one remote command (not the stream) may take.
    public var commandTimeout: Duration

    public init(target: DumpTarget, sshPath: String = "/usr/bin/ssh", runner: any SubprocessRunner = SpawnSubprocessRunner(),
                commandTimeout: Duration = .seconds(60)) {
        self.target = target
        self.sshPath = sshPath
        self.runner = runner
        self.commandTimeout = commandTimeout
    }

    public var summary: String { target.description }

    /// `ssh -i KEY -o BatchMode=yes … [-p PORT] [user@]host -- COMMAND`.
    public func sshArguments(_ command: String) -> [String] {
        var argv = [sshPath]
        if let key = target.sshKey { argv += ["-i", key] }
        argv += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]
        if let port = target.port { argv += ["-p", String(port)] }
        argv.append((target.user.map { $0 + "@" } ?? "") + (target.host ?? ""))
        argv += ["--", command]
        return argv
    }

    /// `text` as one word for the remote POSIX shell.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }

    public func remotePath(_ directory: String, _ name: String? = nil) -> String {
        var path = target.path
        if !directory.isEmpty { path += "/" + directory }
        if let name { path += "/" + name }
        return path
    }

    /// Runs `command` remotely; a failure names the target (masked) and ssh's last line.
    func run(_ command: String, what: String, stdin: Int32? = nil) throws(KexecError) {
        var options = SubprocessOptions(timeout: stdin == nil ? commandTimeout : nil)
        if let stdin { options.descriptors = [0: stdin] }
        let result = runner.runReportingSpawnFailure(sshArguments(command), options: options)
        guard result.status == 0 else {
            throw KexecError(.failed, operation: "save-dump", path: target.description,
                             "\(target): \(what) failed (ssh exit \(result.status)): \(result.lastLine ?? "no output")")
        }
    }

    /// Runs `command` remotely and returns its output (stdout and stderr).
    func output(_ command: String, what: String) throws(KexecError) -> String {
        let result = runner.runReportingSpawnFailure(sshArguments(command), options: SubprocessOptions(timeout: commandTimeout))
        guard result.status == 0 else {
            throw KexecError(.failed, operation: "save-dump", path: target.description,
                             "\(target): \(what) failed (ssh exit \(result.status)): \(result.lastLine ?? "no output")")
        }
        return result.output
    }

    /// kreboot's dump directories in the target directory (those holding `kreboot-dump.json`), oldest first by
    /// their date-time names; other programs' files and directories are never listed.
    public func krebootDumps() throws(KexecError) -> [String]? {
        let dir = Self.quoted(target.path)
        let listed = try output("cd -- \(dir) && for d in */; do [ -f \"$d\(DumpManifest.fileName)\" ] && printf '%s\\n' \"${d%/}\"; done; true",
                                what: "listing old dumps")
        return listed.split(separator: "\n").map(String.init).filter { $0.first?.isNumber == true && !$0.contains("/") && !$0.contains(" ") }.sorted()
    }

    /// Removes one of kreboot's dump directories (a name `krebootDumps` listed).
    public func removeDump(_ name: String) throws(KexecError) {
        try run("rm -rf -- " + Self.quoted(remotePath(name)), what: "removing old dump \(name)")
    }

    public func prepare(directory: String) throws(KexecError) {
        try run("mkdir -p -- " + Self.quoted(remotePath(directory)), what: "mkdir")
    }

    public func begin(directory: String, name: String) throws(KexecError) -> any DumpUpload {
        SftpDumpUpload(transport: self, partial: remotePath(directory, name + ".incomplete"), final: remotePath(directory, name))
    }

    public func finish() {}
}

/// A file of `SftpDumpTransport` on its way.
struct SftpDumpUpload: DumpUpload {
    let transport: SftpDumpTransport
    let partial: String
    let final: String

    func stream(from source: Int32) throws(KexecError) -> UInt64 {
        try transport.run("cat > " + SftpDumpTransport.quoted(partial), what: "writing \(partial)", stdin: source)
        return 0
    }

    func commit() throws(KexecError) {
        try transport.run("sync -- \(SftpDumpTransport.quoted(partial)) 2>/dev/null; mv -f -- \(SftpDumpTransport.quoted(partial)) \(SftpDumpTransport.quoted(final))",
                          what: "renaming \(partial)")
    }

    func abort() {
        try? transport.run("rm -f -- " + SftpDumpTransport.quoted(partial), what: "removing \(partial)")
    }
}
