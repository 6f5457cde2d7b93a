import Foundation

/// Temporary files for the KexecCore tests.
enum KexecTestFiles {
    /// A fresh temporary directory.
    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-kexec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// Removes a directory made by `directory()`.
    static func remove(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes `bytes` to `name` in a fresh directory and returns the path.
    static func file(_ name: String, _ bytes: [UInt8], in dir: String? = nil) throws -> String {
        let path = (try dir ?? directory()) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func file(_ name: String, _ text: String, in dir: String? = nil) throws -> String {
        try file(name, Array(text.utf8), in: dir)
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
