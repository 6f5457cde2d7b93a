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
        _ = try loadDescribing(image, crash: crash)
    }

    /// `load`, describing what was loaded. The kernel is opened once, through the gateway: the UKI layout,
    /// the inflation, the parts copied into memfds, the descriptor kexec_file_load gets and the description
    /// all come from that one descriptor, never from the path again.
    public func loadDescribing(_ image: KexecImage, crash: Bool) throws(KexecError) -> LoadedKernel? {
        let operation = crash ? "crash load" : "load"
        let file = try Self.openKernel(image.kernel, operation: operation)
        let initrds = image.initrds.map { InitrdSource(path: $0) }
        var embeddedInitrd: UKILayout.Piece?
        var commandLine = image.commandLine
        var substitute: FileDescriptor?
        defer { try? substitute?.close() }
        if let uki = try Self.ukiLayout(file, operation: operation) {
            let linux = try InitrdBundle.memfd("kreboot-uki-linux", operation: operation)
            substitute = linux
            _ = try InitrdBundle.copy(file.fd, range: (uki.linux.offset, uki.linux.size), to: linux, path: image.kernel, operation: operation)
            embeddedInitrd = uki.initrd
            if commandLine.isEmpty, let embedded = uki.commandLine { commandLine = embedded }
        } else if let inflated = try Self.inflated(file, operation: operation) {
            substitute = inflated
        }
        let kernelFD = substitute?.rawValue ?? file.fd.rawValue
        var flags: KexecFileFlags = crash ? [.onCrash] : []
        let result: Errno?
        if initrds.isEmpty && embeddedInitrd == nil {
            flags.insert(.noInitramfs)
            result = syscalls.kexecFileLoad(kernelFD: kernelFD, initrdFD: -1, commandLine: commandLine, flags: flags)
        } else {
            let kernelFile = file.fd
            let embedded = embeddedInitrd.map { (file: kernelFile, path: image.kernel, range: ($0.offset, $0.size)) }
            let initrd = try InitrdBundle(sources: initrds, embedded: embedded, operation: operation)
            result = syscalls.kexecFileLoad(kernelFD: kernelFD, initrdFD: initrd.fd.rawValue, commandLine: commandLine, flags: flags)
        }
        if let errno = result {
            throw error(errno, operation: operation, path: image.kernel, crash: crash)
        }
        return LoadedKernel(info: try? KernelImageInspector.inspect(file), commandLine: commandLine)
    }

    /// The command line the kernel gets for `image`: its own, or for a UKI with an empty one, the `.cmdline` section.
    public static func effectiveCommandLine(for image: KexecImage) -> String {
        describe(image).commandLine
    }

    /// What loading `image` would load, read from the kernel opened once through the gateway: its headers and
    /// the command line it gets (for describing a load done by another program, kexec-tools).
    public static func describe(_ image: KexecImage) -> LoadedKernel {
        guard let file = try? ImageFile(root: RootDirectory(), path: image.kernel) else {
            return LoadedKernel(info: nil, commandLine: image.commandLine)
        }
        var commandLine = image.commandLine
        if commandLine.isEmpty, let layout = (try? UKILayout.read(file)) ?? nil { commandLine = layout.commandLine ?? "" }
        return LoadedKernel(info: try? KernelImageInspector.inspect(file), commandLine: commandLine)
    }

    /// The kernel image, opened through the gateway (non-blocking, a regular file); the error names it.
    private static func openKernel(_ path: String, operation: String) throws(KexecError) -> ImageFile {
        let fd = try InitrdBundle.open(path, operation: operation, what: "kernel")
        do {
            return try ImageFile(adopting: fd, displayPath: path)
        } catch {
            throw KexecError(operation: operation, error)
        }
    }

    /// For a gzip-compressed kernel (arm64 `Image.gz`, EFI zboot with a gzip payload), a memfd with the plain
    /// image, which is what kexec_file_load takes; nil for any other file.
    private static func inflated(_ file: borrowing ImageFile, operation: String) throws(KexecError) -> FileDescriptor? {
        let memfd = try InitrdBundle.memfd("kreboot-kernel", operation: operation)
        switch KernelImageDecompressor.inflate(file, into: memfd.rawValue) {
        case nil:
            try? memfd.close()
            return nil
        case .success?:
            return memfd
        case .failure(let error)?:
            try? memfd.close()
            throw KexecError(.badImage, operation: operation, path: file.displayPath, error.message)
        }
    }

    /// The UKI layout of the open kernel, nil when it is not a UKI.
    private static func ukiLayout(_ file: borrowing ImageFile, operation: String) throws(KexecError) -> UKILayout? {
        do {
            return try UKILayout.read(file)
        } catch {
            throw KexecError(.badImage, operation: operation, path: file.displayPath, error.message)
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
