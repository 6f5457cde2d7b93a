import FoundationEssentials
import LinuxSystem

/// What kreboot loaded: one kernel or capture kernel, how and when.
public struct KexecLoadRecord: Codable, Sendable, Equatable {
    public var kernel: String
    public var initrds: [String]
    public var commandLine: String
    public var release: String?
    public var arch: String?
    public var format: String?
    /// True for the capture kernel (`load --crash`).
    public var crash: Bool
    public var method: KexecLoadMethod
    /// When it was loaded, ISO 8601 in UTC.
    public var loadedAt: String

    /// The record of loading `image` (described by `info`) with `method` at `loadedAt`.
    public init(image: KexecImage, info: KernelImageInfo?, crash: Bool, method: KexecLoadMethod, loadedAt: Date = Date()) {
        kernel = image.kernel
        initrds = image.initrds
        commandLine = image.commandLine
        release = info?.release
        arch = info?.arch
        format = info?.format.rawValue
        self.crash = crash
        self.method = method
        self.loadedAt = ISOTimestamp.string(from: loadedAt)
    }
}

/// The contents of the state file: what kreboot loaded for exec and for crash, each nil when nothing.
public struct KexecState: Codable, Sendable, Equatable {
    public var kernel: KexecLoadRecord?
    public var crash: KexecLoadRecord?

    /// A state with these records.
    public init(kernel: KexecLoadRecord? = nil, crash: KexecLoadRecord? = nil) {
        self.kernel = kernel
        self.crash = crash
    }
}

/// kreboot's small state file, `/run/kreboot/state.json` (on tmpfs: gone after a reboot, as a loaded kernel is).
public struct KexecStateFile: Sendable {
    public static let defaultPath = "/run/kreboot/state.json"
    public var path: String

    /// The state file at `path` (tests pass a temporary one).
    public init(path: String = KexecStateFile.defaultPath) { self.path = path }

    /// The recorded state, read through the gateway (a regular file, at most 1 MiB); empty when the file is
    /// absent, unreadable, too large or not a regular file.
    public func read() -> KexecState {
        guard let bytes = (try? RootDirectory().readFile(path, limit: .record)) ?? nil,
              let state = try? JSONDecoder().decode(KexecState.self, from: Data(bytes)) else { return KexecState() }
        return state
    }

    /// Writes `state` through `RecordWriter`, creating the directory (mode 0700).
    public func write(_ state: KexecState) throws(KexecError) {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            data = try encoder.encode(state)
        } catch {
            throw KexecError(.failed, operation: "state", path: path, "\(path): cannot write the state file: \(error)")
        }
        do { try RecordWriter.write(Array(data), to: path, operation: "state") } catch { throw KexecError(operation: "state", error) }
    }

    /// Records a load (replacing the record of the same kind).
    public func recordLoad(_ record: KexecLoadRecord) throws(KexecError) {
        var state = read()
        if record.crash { state.crash = record } else { state.kernel = record }
        try write(state)
    }

    /// Forgets the kernel (or capture kernel) after an unload.
    public func recordUnload(crash: Bool) throws(KexecError) {
        var state = read()
        if crash { state.crash = nil } else { state.kernel = nil }
        try write(state)
    }
}
