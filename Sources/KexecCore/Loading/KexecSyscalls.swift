import LinuxSystem
import SystemPackage

/// Flags of kexec_file_load(2) (<linux/kexec.h>).
public struct KexecFileFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt
    /// Flags from their <linux/kexec.h> value.
    public init(rawValue: UInt) { self.rawValue = rawValue }

    /// KEXEC_FILE_UNLOAD: unload instead of load.
    public static let unload = KexecFileFlags(rawValue: 0x1)
    /// KEXEC_FILE_ON_CRASH: the capture kernel, loaded into the crashkernel reservation.
    public static let onCrash = KexecFileFlags(rawValue: 0x2)
    /// KEXEC_FILE_NO_INITRAMFS: there is no initrd; its file descriptor is ignored.
    public static let noInitramfs = KexecFileFlags(rawValue: 0x4)
}

/// The two kexec system calls, behind a protocol so the loaders' errno handling is tested without the kernel.
public protocol KexecSyscalls: Sendable {
    /// kexec_file_load(2) with `commandLine` passed NUL-terminated (its length counts the NUL).
    /// Returns nil on success, else the errno.
    func kexecFileLoad(kernelFD: Int32, initrdFD: Int32, commandLine: String, flags: KexecFileFlags) -> Errno?
    /// reboot(LINUX_REBOOT_CMD_KEXEC). Returns only on failure, with the errno.
    func rebootKexec() -> Errno
}

/// The real system calls, through LinuxSystem's `LinuxSyscalls`. Never used by unit tests.
public struct LinuxKexecSyscalls: KexecSyscalls {
    /// The real system calls.
    public init() {}

    /// The corresponding C function is `kexec_file_load`.
    public func kexecFileLoad(kernelFD: Int32, initrdFD: Int32, commandLine: String, flags: KexecFileFlags) -> Errno? {
        let result = flags.contains(.unload)
            ? LinuxSyscalls.kexecFileLoad(kernelFD: -1, initrdFD: -1, commandLine: nil, flags: flags.rawValue)
            : LinuxSyscalls.kexecFileLoad(kernelFD: kernelFD, initrdFD: initrdFD, commandLine: commandLine, flags: flags.rawValue)
        if case .failure(let errno) = result { return errno }
        return nil
    }

    /// The corresponding C function is `reboot(LINUX_REBOOT_CMD_KEXEC)`.
    public func rebootKexec() -> Errno {
        if case .failure(let errno) = LinuxSyscalls.rebootKexec() { return errno }
        return Errno(rawValue: 0)
    }
}
