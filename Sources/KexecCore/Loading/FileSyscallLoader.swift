import LinuxSystem
import SystemPackage

/// Loads kernels through kexec_file_load(2) and boots them with reboot(LINUX_REBOOT_CMD_KEXEC).
/// The kernel verifies the image (and its signature where required), so this is the only loader allowed
/// under lockdown. Errnos are turned into errors by `KexecErrnoTable`.
public struct FileSyscallLoader: KexecLoader {
    public let syscalls: any KexecSyscalls
    /// The lockdown mode, which decides how EPERM/EACCES and format errors are reported.
    public let lockdown: LockdownMode?
    public let sysrq: SysrqTrigger

    /// A loader over `syscalls` (the real ones by default) that reports refusals against `lockdown`.
    public init(syscalls: any KexecSyscalls = LinuxKexecSyscalls(), lockdown: LockdownMode? = nil, sysrq: SysrqTrigger = SysrqTrigger()) {
        self.syscalls = syscalls
        self.lockdown = lockdown
        self.sysrq = sysrq
    }

    /// Opens the kernel and initrds (several initrds concatenated into a memfd) and calls kexec_file_load.
    /// A UKI is passed in parts: its `.linux` as the kernel, its `.initrd` before the given initrds, and its
    /// `.cmdline` when the image's command line is empty. A gzip-compressed kernel is passed inflated.
    public func load(_ image: KexecImage, crash: Bool) throws(KexecError) {
        let operation = crash ? "crash load" : "load"
        var kernel = try InitrdBundle.open(image.kernel, operation: operation, what: "kernel")
        defer { try? kernel.close() }
        var initrds = image.initrds.map { InitrdSource(path: $0) }
        var commandLine = image.commandLine
        if let uki = try Self.ukiLayout(image.kernel, operation: operation) {
            let linux = try InitrdBundle.memfd("kreboot-uki-linux", operation: operation)
            do {
                _ = try InitrdBundle.copy(kernel, range: (uki.linux.offset, uki.linux.size), to: linux, path: image.kernel, operation: operation)
            } catch {
                try? linux.close()
                throw error
            }
            try? kernel.close()
            kernel = linux
            if let initrd = uki.initrd { initrds.insert(InitrdSource(path: image.kernel, offset: initrd.offset, size: initrd.size), at: 0) }
            if commandLine.isEmpty, let embedded = uki.commandLine { commandLine = embedded }
        } else if let inflated = try Self.inflated(image.kernel, operation: operation) {
            try? kernel.close()
            kernel = inflated
        }
        var flags: KexecFileFlags = crash ? [.onCrash] : []
        let result: Errno?
        if initrds.isEmpty {
            flags.insert(.noInitramfs)
            result = syscalls.kexecFileLoad(kernelFD: kernel.rawValue, initrdFD: -1, commandLine: commandLine, flags: flags)
        } else {
            let initrd = try InitrdBundle(sources: initrds, operation: operation)
            result = syscalls.kexecFileLoad(kernelFD: kernel.rawValue, initrdFD: initrd.fd.rawValue, commandLine: commandLine, flags: flags)
        }
        if let errno = result {
            throw error(errno, operation: operation, path: image.kernel, crash: crash)
        }
    }

    /// The command line the kernel gets for `image`: its own, or for a UKI with an empty one, the `.cmdline` section.
    public static func effectiveCommandLine(for image: KexecImage) -> String {
        guard image.commandLine.isEmpty, case .success(let layout?) = UKILayout.read(hostPath: image.kernel) else {
            return image.commandLine
        }
        return layout.commandLine ?? ""
    }

    /// For a gzip-compressed kernel (arm64 `Image.gz`, EFI zboot with a gzip payload), a memfd with the plain
    /// image, which is what kexec_file_load takes; nil for any other file.
    private static func inflated(_ path: String, operation: String) throws(KexecError) -> FileDescriptor? {
        let memfd = try InitrdBundle.memfd("kreboot-kernel", operation: operation)
        switch KernelImageDecompressor.inflate(hostPath: path, into: memfd.rawValue) {
        case nil:
            try? memfd.close()
            return nil
        case .success?:
            return memfd
        case .failure(let error)?:
            try? memfd.close()
            throw KexecError(.badImage, operation: operation, path: path, error.message)
        }
    }

    /// The UKI layout of `path`, nil when it is not a UKI.
    private static func ukiLayout(_ path: String, operation: String) throws(KexecError) -> UKILayout? {
        switch UKILayout.read(hostPath: path) {
        case .success(let layout): return layout
        case .failure(let error): throw KexecError(.badImage, operation: operation, path: path, error.message)
        }
    }

    /// kexec_file_load with KEXEC_FILE_UNLOAD (and KEXEC_FILE_ON_CRASH for the capture kernel).
    public func unload(crash: Bool) throws(KexecError) {
        let flags: KexecFileFlags = crash ? [.unload, .onCrash] : [.unload]
        if let errno = syscalls.kexecFileLoad(kernelFD: -1, initrdFD: -1, commandLine: "", flags: flags) {
            throw error(errno, operation: crash ? "crash unload" : "unload", path: nil, crash: crash)
        }
    }

    /// reboot(LINUX_REBOOT_CMD_KEXEC). Returns only by throwing.
    public func exec() throws(KexecError) {
        let errno = syscalls.rebootKexec()
        let message = errno == .invalidArgument
            ? "reboot(LINUX_REBOOT_CMD_KEXEC): no kernel is loaded (EINVAL)"
            : "reboot(LINUX_REBOOT_CMD_KEXEC) failed: \(errno)"
        let code: KexecError.Code = errno == .notPermitted ? .noPermission : .failed
        throw KexecError(code, operation: "exec", errno: errno, message)
    }

    /// Writes `c` to /proc/sysrq-trigger.
    public func panic() throws(KexecError) {
        try sysrq.crash()
    }

    private func error(_ errno: Errno, operation: String, path: String?, crash: Bool) -> KexecError {
        let subject = path.map { "\($0): " } ?? ""
        switch KexecErrnoTable.verdict(errno, lockdown: lockdown, crash: crash) {
        case .fallback(let reason):
            return KexecError(.unavailable, operation: operation, path: path, errno: errno, "\(subject)\(operation): \(reason)")
        case .refuse(let code, let reason):
            return KexecError(code, operation: operation, path: path, errno: errno, "\(subject)\(operation): \(reason)")
        }
    }
}
