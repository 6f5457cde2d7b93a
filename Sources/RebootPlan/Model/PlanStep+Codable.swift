import KexecCore
import LinuxSystem

/// The plan JSON's step objects: `action` and the step's fields, flat (schemaVersion 1, additive).
extension PlanStep: Codable {
    private enum Key: String, CodingKey {
        case action, kernel, initrds, commandLine, path, unit, mode, kind, sizeBytes, usedBytes, variable, entry
        case source, fstype, vfsOptions, fsOptions, fsRoot, device, mountID, parentID
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func image() throws -> KexecImage {
            KexecImage(kernel: try c.decode(String.self, forKey: .kernel),
                       initrds: try c.decodeIfPresent([String].self, forKey: .initrds) ?? [],
                       commandLine: try c.decodeIfPresent(String.self, forKey: .commandLine) ?? "")
        }
        func string(_ key: Key) throws -> String { try c.decode(String.self, forKey: key) }
        switch try c.decode(Action.self, forKey: .action) {
        case .load: self = .load(try image())
        case .loadCrash: self = .loadCrash(try image())
        case .clearGrubNextEntry: self = .clearGrubNextEntry(grubenv: try string(.path))
        case .clearSystemdBootOneShot:
            self = .clearSystemdBootOneShot(variable: try string(.variable), entry: try c.decodeIfPresent(String.self, forKey: .entry) ?? "")
        case .isolate: self = .isolate(unit: try string(.unit))
        case .swapOff:
            self = .swapOff(SwapArea(path: try string(.path), kind: try c.decode(SwapArea.Kind.self, forKey: .kind),
                                     sizeBytes: try c.decodeIfPresent(UInt64.self, forKey: .sizeBytes) ?? 0,
                                     usedBytes: try c.decodeIfPresent(UInt64.self, forKey: .usedBytes) ?? 0))
        case .moveJournal: self = .moveJournal(journalDirectory: try string(.path))
        case .unmount:
            self = .unmount(MountEntry(
                id: try c.decodeIfPresent(Int.self, forKey: .mountID) ?? 0,
                parentID: try c.decodeIfPresent(Int.self, forKey: .parentID) ?? 0,
                source: try string(.source), target: try string(.path), fstype: try string(.fstype),
                vfsOptions: try c.decodeIfPresent(String.self, forKey: .vfsOptions) ?? "rw",
                fsOptions: try c.decodeIfPresent(String.self, forKey: .fsOptions) ?? "",
                fsRoot: try c.decodeIfPresent(String.self, forKey: .fsRoot) ?? "/",
                device: try c.decodeIfPresent(String.self, forKey: .device)))
        case .remountReadOnly: self = .remountReadOnly(path: try string(.path))
        case .sync: self = .sync
        case .exec: self = .exec
        case .panic: self = .panic
        case .handOver: self = .handOver(unit: try string(.unit), mode: try string(.mode))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(action, forKey: .action)
        switch self {
        case .load(let image), .loadCrash(let image):
            try c.encode(image.kernel, forKey: .kernel)
            try c.encode(image.initrds, forKey: .initrds)
            try c.encode(image.commandLine, forKey: .commandLine)
        case .clearGrubNextEntry(let grubenv): try c.encode(grubenv, forKey: .path)
        case .clearSystemdBootOneShot(let variable, let entry):
            try c.encode(variable, forKey: .variable)
            try c.encode(entry, forKey: .entry)
        case .isolate(let unit): try c.encode(unit, forKey: .unit)
        case .swapOff(let area):
            try c.encode(area.path, forKey: .path)
            try c.encode(area.kind, forKey: .kind)
            try c.encode(area.sizeBytes, forKey: .sizeBytes)
            try c.encode(area.usedBytes, forKey: .usedBytes)
        case .moveJournal(let directory): try c.encode(directory, forKey: .path)
        case .unmount(let mount):
            try c.encode(mount.target, forKey: .path)
            try c.encode(mount.source, forKey: .source)
            try c.encode(mount.fstype, forKey: .fstype)
            try c.encode(mount.vfsOptions, forKey: .vfsOptions)
            try c.encode(mount.fsOptions, forKey: .fsOptions)
            try c.encode(mount.fsRoot, forKey: .fsRoot)
            try c.encodeIfPresent(mount.device, forKey: .device)
            try c.encode(mount.id, forKey: .mountID)
            try c.encode(mount.parentID, forKey: .parentID)
        case .remountReadOnly(let path): try c.encode(path, forKey: .path)
        case .sync, .exec, .panic: break
        case .handOver(let unit, let mode):
            try c.encode(unit, forKey: .unit)
            try c.encode(mode, forKey: .mode)
        }
    }
}
