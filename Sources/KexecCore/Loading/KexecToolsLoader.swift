import LinuxSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The fallback loader: kexec-tools' `kexec` with the kexec_load(2) syscall (`-c`), for kernels and images
/// kexec_file_load cannot handle. Run from an argv array, never through a shell. Several initrds are
/// concatenated into a memfd that the child sees as /proc/self/fd/3.
public struct KexecToolsLoader: KexecLoader {
    /// Where kexec-tools installs `kexec`, in the order tried.
    public static let defaultCandidates = ["/usr/sbin/kexec", "/sbin/kexec"]

    /// The `kexec` binary, when one was found.
    public let executable: String?
    public let runner: any SubprocessRunner
    public let sysrq: SysrqTrigger

    /// Uses `executable`, else the first of `defaultCandidates` that is executable.
    public init(executable: String? = nil, runner: any SubprocessRunner = SpawnSubprocessRunner(), sysrq: SysrqTrigger = SysrqTrigger()) {
        self.executable = executable ?? Self.defaultCandidates.first { access($0, X_OK) == 0 }
        self.runner = runner
        self.sysrq = sysrq
    }

    /// The argv for loading `image` (`initrdPath` replaces the image's initrds when they were bundled).
    public func loadArguments(_ image: KexecImage, crash: Bool, initrdPath: String?) -> [String] {
        var argv = [executable ?? "kexec", "-c", crash ? "-p" : "-l", image.kernel]
        if let initrd = initrdPath { argv.append("--initrd=\(initrd)") }
        argv.append("--command-line=\(image.commandLine)")
        return argv
    }

    /// `kexec -c -l|-p KERNEL [--initrd=FILE] --command-line=LINE`.
    public func load(_ image: KexecImage, crash: Bool) throws(KexecError) {
        let operation = crash ? "crash load" : "load"
        _ = try requireExecutable(operation)
        switch image.initrds.count {
        case 0:
            try run(loadArguments(image, crash: crash, initrdPath: nil), operation: operation, path: image.kernel)
        case 1:
            try run(loadArguments(image, crash: crash, initrdPath: image.initrds[0]), operation: operation, path: image.kernel)
        default:
            let bundle = try InitrdBundle(paths: image.initrds, operation: operation)
            try run(loadArguments(image, crash: crash, initrdPath: "/proc/self/fd/3"), operation: operation, path: image.kernel,
                    descriptors: [3: bundle.fd.rawValue])
        }
    }

    /// `kexec -c -u`, or `kexec -c -p -u` for the capture kernel.
    public func unload(crash: Bool) throws(KexecError) {
        let operation = crash ? "crash unload" : "unload"
        let kexec = try requireExecutable(operation)
        try run(crash ? [kexec, "-c", "-p", "-u"] : [kexec, "-c", "-u"], operation: operation, path: nil)
    }

    /// `kexec -e`.
    public func exec() throws(KexecError) {
        let kexec = try requireExecutable("exec")
        try run([kexec, "-e"], operation: "exec", path: nil)
        throw KexecError(.failed, operation: "exec", "\(kexec) -e returned without booting the new kernel")
    }

    /// Writes `c` to /proc/sysrq-trigger.
    public func panic() throws(KexecError) { try sysrq.crash() }

    private func requireExecutable(_ operation: String) throws(KexecError) -> String {
        guard let executable else {
            throw KexecError(.unavailable, operation: operation,
                             "kexec-tools is not installed (no \(Self.defaultCandidates.joined(separator: " or ")))")
        }
        return executable
    }

    private func run(_ argv: [String], operation: String, path: String?, descriptors: [Int32: Int32] = [:]) throws(KexecError) {
        // kexec's stdout goes to our stderr as it comes; its stderr is captured for the error message.
        let result: SubprocessResult
        do {
            result = try runner.run(argv, options: SubprocessOptions(descriptors: descriptors, capturesStandardOutput: false))
        } catch {
            throw KexecError(operation: operation, error)
        }
        guard result.status != 0 else { return }
        let detail = result.output.split(separator: "\n").last.map { String($0).trimmingWhitespace() } ?? ""
        let lower = result.output.lowercased()
        let code: KexecError.Code
        var reason = ""
        if lower.contains("permission denied") {
            // kexec_load(2) answers EACCES when IMA's Secure Boot policy forbids it (measured under Secure Boot).
            code = .unavailable
            reason = "; kexec_load refused by IMA/Secure Boot policy (EACCES)"
        } else if lower.contains("operation not permitted") {
            code = .noPermission
        } else if lower.contains("cannot determine the file type") || lower.contains("invalid") {
            code = .badImage
        } else {
            code = .failed
        }
        let subject = path.map { "\($0): " } ?? ""
        throw KexecError(code, operation: operation, path: path,
                         "\(subject)\(argv[0]) \(argv.dropFirst().prefix(2).joined(separator: " ")) failed (exit \(result.status))" +
                         (detail.isEmpty ? "" : ": \(detail)") + reason)
    }
}
