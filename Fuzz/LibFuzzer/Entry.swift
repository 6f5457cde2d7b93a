// kreboot-libfuzzer: libFuzzer entry point over the same fuzz targets as kreboot-fuzz (FuzzTargets.swift and
// FuzzSeeds.swift are links to Fuzz/Driver's). Built only by `make fuzz-libfuzzer`, with `-sanitize=fuzzer`
// and `-D KREBOOT_LIBFUZZER` (the entry then starts libFuzzer's driver); any other build gets a stub that says so.
//   KREBOOT_FUZZ_TARGET=grub-cfg .build-libfuzzer/debug/kreboot-libfuzzer [libFuzzer options] CORPUS_DIR
// KREBOOT_FUZZ_SEEDS=DIR (with KREBOOT_FUZZ_FIXTURES, default Tests) writes the target's seeds to DIR and exits.
import Foundation
import LinuxSystem

#if KREBOOT_LIBFUZZER
/// The target named by KREBOOT_FUZZ_TARGET, and its private scratch directory.
nonisolated(unsafe) private var selected: (target: FuzzTarget, scratch: String)?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let name = environment["KREBOOT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.all.first(where: { $0.name == name }) else {
        FileHandle.standardError.write(Data("kreboot-libfuzzer: set KREBOOT_FUZZ_TARGET to one of: \(FuzzTargets.all.map(\.name).joined(separator: " "))\n".utf8))
        exit(64)
    }
    if let seedDirectory = environment["KREBOOT_FUZZ_SEEDS"] {
        writeSeeds(of: target, fixtures: environment["KREBOOT_FUZZ_FIXTURES"] ?? "Tests", to: seedDirectory)
        exit(0)
    }
    let scratch = NSTemporaryDirectory() + "kreboot-libfuzzer-\(target.name)-\(getpid())"
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    selected = (target, scratch)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let chosen = selected, size <= chosen.target.maxSize else { return 0 }
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    chosen.target.run(input, chosen.scratch)
    return 0
}

/// libFuzzer's driver, called with the callback below (libFuzzer's own `main` is not used: SwiftPM links an
/// executable's entry as `<module>_main`, so that is where the driver starts).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("kreboot_libfuzzer_main")
public func libFuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzzerTestOneInput(data, size) }
}

/// The target's built seeds and the fixture files it is seeded from (as kreboot-fuzz picks them), one file each.
private func writeSeeds(of target: FuzzTarget, fixtures: String, to directory: String) {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var seeds = target.builtSeeds
    let wanted = Set(target.seedNames)
    if let walker = FileManager.default.enumerator(atPath: fixtures) {
        for case let path as String in walker where wanted.contains((path as NSString).lastPathComponent) {
            if let data = FileManager.default.contents(atPath: fixtures + "/" + path), data.count <= target.maxSize {
                seeds.append(Array(data))
            }
        }
    }
    for (n, seed) in seeds.enumerated() {
        _ = FileManager.default.createFile(atPath: directory + "/seed-\(n)", contents: Data(seed))
    }
}
#else
@main
enum NotBuiltForLibFuzzer {
    static func main() {
        FileHandle.standardError.write(Data("kreboot-libfuzzer: built without libFuzzer; use `make fuzz-libfuzzer`\n".utf8))
        exit(64)
    }
}
#endif
