import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away directory tree built for one test: absolute symlinks, `..`, FIFOs, loops.
/// Removed when the test ends (`remove()`).
struct HostileTreeFixture {
    let path: String

    init() {
        var template = Array("/tmp/kreboot-tree-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    func directory(_ relative: String) {
        try? FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
    }

    func file(_ relative: String, _ text: String) {
        directory((relative as NSString).deletingLastPathComponent)
        FileManager.default.createFile(atPath: path + "/" + relative, contents: Data(text.utf8))
    }

    func bytes(_ relative: String, _ bytes: [UInt8]) {
        directory((relative as NSString).deletingLastPathComponent)
        FileManager.default.createFile(atPath: path + "/" + relative, contents: Data(bytes))
    }

    func symlink(_ relative: String, to target: String) {
        directory((relative as NSString).deletingLastPathComponent)
        _ = Glibc.symlink(target, path + "/" + relative)
    }

    func fifo(_ relative: String) {
        directory((relative as NSString).deletingLastPathComponent)
        _ = mkfifo(path + "/" + relative, 0o600)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
