import LinuxSystem
import SystemPackage

/// How a kernel was loaded.
public enum KexecLoadMethod: String, Codable, Sendable {
    /// kexec_file_load(2): the kernel read and verified the files.
    case fileSyscall = "kexec_file_load"
    /// kexec-tools with kexec_load(2).
    case kexecTools = "kexec-tools"
}

/// The loader kreboot uses: kexec_file_load first; kexec-tools only when the file syscall is missing or cannot
/// handle the image format (ENOSYS, EOPNOTSUPP, ENOEXEC/EINVAL) and lockdown is off. A signature or lockdown
/// refusal is reported as such and never retried another way.
public struct FallbackKexecLoader: KexecLoader {
    public let primary: any KexecLoader
    /// nil when there is no fallback (lockdown, or kexec-tools not wanted).
    public let fallback: (any KexecLoader)?
    public let lockdown: LockdownMode?

    /// Combines `primary` (the file syscall) with `fallback` (kexec-tools), which is dropped under lockdown.
    public init(primary: any KexecLoader, fallback: (any KexecLoader)?, lockdown: LockdownMode?) {
        self.primary = primary
        let locked = lockdown != nil && lockdown != LockdownMode.none
        self.fallback = locked ? nil : fallback
        self.lockdown = lockdown
    }

    /// The real loaders for a system in `lockdown`: the file syscall, with kexec-tools as the fallback unless locked down.
    public static func system(lockdown: LockdownMode?) -> FallbackKexecLoader {
        FallbackKexecLoader(primary: FileSyscallLoader(lockdown: lockdown), fallback: KexecToolsLoader(), lockdown: lockdown)
    }

    /// The real chain as a preflight's `policy` allows it: without kexec-tools under lockdown.
    public static func system(policy: KexecLoadPolicy) -> FallbackKexecLoader {
        FallbackKexecLoader(primary: FileSyscallLoader(lockdown: policy.lockdown),
                            fallback: policy.allowsToolsFallback ? KexecToolsLoader() : nil, lockdown: policy.lockdown)
    }

    /// Whether `error` from the primary loader allows trying the fallback.
    public func allowsFallback(_ error: KexecError, crash: Bool) -> Bool {
        guard fallback != nil, let errno = error.errno, error.operation != "spawn" else { return false }
        if case .fallback = KexecErrnoTable.verdict(errno, lockdown: lockdown, crash: crash) { return true }
        return false
    }

    /// Loads `image` and says which way it was loaded.
    public func loadReportingMethod(_ image: KexecImage, crash: Bool) throws(KexecError) -> KexecLoadMethod {
        try loadDescribingMethod(image, crash: crash).method
    }

    /// Loads `image`, says which way, and what was loaded when the loader read it itself (see `loadDescribing`).
    public func loadDescribingMethod(_ image: KexecImage, crash: Bool) throws(KexecError) -> (method: KexecLoadMethod, loaded: LoadedKernel?) {
        do {
            return (.fileSyscall, try primary.loadDescribing(image, crash: crash))
        } catch {
            guard allowsFallback(error, crash: crash), let fallback else { throw error }
            do {
                return (.kexecTools, try fallback.loadDescribing(image, crash: crash))
            } catch let second {
                throw KexecError(second.code, operation: second.operation, path: second.path, errno: second.errno,
                                 "\(error.message); the kexec-tools fallback failed too: \(second.message)")
            }
        }
    }

    /// Loads `image`, through the fallback when the file syscall cannot (see `allowsFallback`).
    public func load(_ image: KexecImage, crash: Bool) throws(KexecError) {
        _ = try loadReportingMethod(image, crash: crash)
    }

    /// Unloads with the file syscall; with kexec-tools when the syscall is missing.
    public func unload(crash: Bool) throws(KexecError) {
        do {
            try primary.unload(crash: crash)
        } catch {
            guard allowsFallback(error, crash: crash), let fallback else { throw error }
            try fallback.unload(crash: crash)
        }
    }

    /// reboot(LINUX_REBOOT_CMD_KEXEC) boots whatever was loaded, whichever way.
    public func exec() throws(KexecError) { try primary.exec() }

    /// Crashes the kernel through magic SysRq.
    public func panic() throws(KexecError) { try primary.panic() }
}
