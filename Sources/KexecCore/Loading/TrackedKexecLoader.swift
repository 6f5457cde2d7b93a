import LinuxSystem

/// The loader kreboot runs with: loads through `FallbackKexecLoader` and records each load and unload in the
/// state file, so `kreboot status` can say what kreboot loaded and when. A state file that cannot be written
/// does not fail the load.
public struct TrackedKexecLoader: KexecLoader {
    public let loader: FallbackKexecLoader
    public let stateFile: KexecStateFile

    /// Records the loads of `loader` in `stateFile`.
    public init(loader: FallbackKexecLoader, stateFile: KexecStateFile = KexecStateFile()) {
        self.loader = loader
        self.stateFile = stateFile
    }

    /// Loads `image` and records it; returns the record and, when the state file could not be written, why.
    public func loadAndRecord(_ image: KexecImage, crash: Bool) throws(KexecError) -> (record: KexecLoadRecord, stateProblem: KexecError?) {
        let (method, described) = try loader.loadDescribingMethod(image, crash: crash)
        // kexec_file_load answers from the descriptor it loaded; kexec-tools read the file itself, so the
        // record describes it as the gateway opens it now.
        let loadedKernel = described ?? FileSyscallLoader.describe(image)
        var loaded = image
        loaded.commandLine = loadedKernel.commandLine
        let record = KexecLoadRecord(image: loaded, info: loadedKernel.info, crash: crash, method: method)
        do {
            try stateFile.recordLoad(record)
            return (record, nil)
        } catch {
            return (record, error)
        }
    }

    /// Loads `image` and records it.
    public func load(_ image: KexecImage, crash: Bool) throws(KexecError) {
        _ = try loadAndRecord(image, crash: crash)
    }

    /// Unloads and forgets the record.
    public func unload(crash: Bool) throws(KexecError) {
        try loader.unload(crash: crash)
        try? stateFile.recordUnload(crash: crash)
    }

    /// Boots the loaded kernel.
    public func exec() throws(KexecError) { try loader.exec() }

    /// Crashes the kernel through magic SysRq.
    public func panic() throws(KexecError) { try loader.panic() }
}
