internal import CLinuxSyscalls
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

/// The real system calls, through the CLinuxSyscalls shim. Never used by unit tests.
public struct LinuxKexecSyscalls: KexecSyscalls {
    /// The real system calls.
    public init() {}

    /// The corresponding C function is `syscall(SYS_kexec_file_load, …)`.
    public func kexecFileLoad(kernelFD: Int32, initrdFD: Int32, commandLine: String, flags: KexecFileFlags) -> Errno? {
        let rc: Int32
        if flags.contains(.unload) {
            rc = ck_kexec_file_load(-1, -1, 0, nil, flags.rawValue)
        } else {
            var bytes = Array(commandLine.utf8CString)  // ends with the NUL, which the length includes
            rc = bytes.withUnsafeMutableBufferPointer { buffer in
                ck_kexec_file_load(kernelFD, initrdFD, UInt(buffer.count), buffer.baseAddress, flags.rawValue)
            }
        }
        return rc == 0 ? nil : Errno(rawValue: -rc)
    }

    /// The corresponding C function is `reboot(LINUX_REBOOT_CMD_KEXEC)`.
    public func rebootKexec() -> Errno {
        let rc = ck_reboot_kexec()
        return Errno(rawValue: rc == 0 ? 0 : -rc)
    }
}
