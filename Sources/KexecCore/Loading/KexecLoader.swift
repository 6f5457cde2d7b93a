/// What to load: a kernel image, its initrds and command line, as paths on this machine.
public struct KexecImage: Sendable, Equatable, Codable {
    public var kernel: String
    public var initrds: [String]
    public var commandLine: String

    public init(kernel: String, initrds: [String] = [], commandLine: String) {
        self.kernel = kernel
        self.initrds = initrds
        self.commandLine = commandLine
    }
}

/// Loads, unloads and executes kernels. The real implementation calls kexec_file_load(2) and
/// reboot(2); a recording fake stands in unit tests.
public protocol KexecLoader: Sendable {
    /// Loads `image` for a later exec, or into the crashkernel area when `crash` is true.
    func load(_ image: KexecImage, crash: Bool) throws(KexecError)
    /// Unloads the kernel loaded for exec, or the capture kernel when `crash` is true.
    func unload(crash: Bool) throws(KexecError)
    /// Boots the loaded kernel: reboot(LINUX_REBOOT_CMD_KEXEC). Does not return on success.
    func exec() throws(KexecError)
    /// Crashes the kernel through /proc/sysrq-trigger so the capture kernel takes over. Does not return on success.
    func panic() throws(KexecError)
}
