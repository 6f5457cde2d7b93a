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
    /// Loads `image` and describes what was loaded; nil when this loader cannot say (by default: it loads
    /// and says nothing). A loader that opens the kernel itself answers from that descriptor.
    func loadDescribing(_ image: KexecImage, crash: Bool) throws(KexecError) -> LoadedKernel?
    /// Unloads the kernel loaded for exec, or the capture kernel when `crash` is true.
    func unload(crash: Bool) throws(KexecError)
    /// Boots the loaded kernel: reboot(LINUX_REBOOT_CMD_KEXEC). Does not return on success.
    func exec() throws(KexecError)
    /// Crashes the kernel through /proc/sysrq-trigger so the capture kernel takes over. Does not return on success.
    func panic() throws(KexecError)
}

/// What a loader can say about the kernel it just loaded, read through the descriptor the load used (so it
/// describes the bytes the kernel got, not a file that may have changed since).
public struct LoadedKernel: Sendable, Equatable {
    /// The image's headers; nil when they could not be read.
    public var info: KernelImageInfo?
    /// The command line the kernel got (a UKI's `.cmdline` when the image's own was empty).
    public var commandLine: String

    public init(info: KernelImageInfo?, commandLine: String) {
        self.info = info
        self.commandLine = commandLine
    }
}

extension KexecLoader {
    /// Loads `image` and says nothing about it.
    public func loadDescribing(_ image: KexecImage, crash: Bool) throws(KexecError) -> LoadedKernel? {
        try load(image, crash: crash)
        return nil
    }
}
