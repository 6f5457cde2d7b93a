// kreboot-fuzz: a deterministic mutation driver over every parser kreboot runs on files it does not control
// (not shipped: debug builds only). Usage:
//   kreboot-fuzz [--seconds N] [--runs N] [--seed N] [--fixtures DIR] [--crashes DIR] [TARGET...]
// Each target runs its seeds, then mutations of them, for N seconds or N runs, whichever ends first.
// The input being run is written to CRASHES/TARGET.current first; a trap leaves it there (a regression fixture),
// and the crash handler's "kreboot: internal error" line names the signal.
import LinuxSystem
import Foundation
import KexecCore

var seconds = 5.0
var runs = Int.max
var seed: UInt64 = 1
var fixtures = "Tests"
var crashes = ".build/fuzz-crashes"
var names: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--seconds": seconds = Double(arguments.popFirst() ?? "") ?? seconds
    case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
    case "--seed": seed = UInt64(arguments.popFirst() ?? "") ?? seed
    case "--fixtures": fixtures = arguments.popFirst() ?? fixtures
    case "--crashes": crashes = arguments.popFirst() ?? crashes
    default: names.append(argument)
    }
}
CrashReporter.install()
try? FileManager.default.createDirectory(atPath: crashes, withIntermediateDirectories: true)

/// Fixture files under `fixtures` whose name is one of `seedNames`.
func seeds(for target: FuzzTarget, fixtures: String) -> [[UInt8]] {
    var found: [[UInt8]] = target.builtSeeds
    let wanted = Set(target.seedNames)
    if let walker = FileManager.default.enumerator(atPath: fixtures) {
        for case let path as String in walker where wanted.contains((path as NSString).lastPathComponent) {
            if let data = FileManager.default.contents(atPath: fixtures + "/" + path), data.count <= target.maxSize {
                found.append(Array(data))
            }
        }
    }
    return found.isEmpty ? [[]] : found
}

let targets = FuzzTargets.all.filter { names.isEmpty || names.contains($0.name) }
for target in targets {
    let scratch = NSTemporaryDirectory() + "kreboot-fuzz-\(target.name)-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let corpus = seeds(for: target, fixtures: fixtures)
    var mutator = Mutator(seed: seed &+ UInt64(target.name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
    let current = crashes + "/" + target.name + ".current"
    let start = Date()
    var count = 0
    var slowest = 0.0
    while count < runs && Date().timeIntervalSince(start) < seconds {
        let base = corpus[count % corpus.count]
        let input = count < corpus.count ? base : mutator.mutate(base, maxSize: target.maxSize)
        FileManager.default.createFile(atPath: current, contents: Data(input))
        let t0 = Date()
        target.run(input, scratch)
        slowest = max(slowest, Date().timeIntervalSince(t0))
        count += 1
    }
    try? FileManager.default.removeItem(atPath: current)
    print(String(format: "%@: %d runs in %.1f s, %d seeds, slowest input %.3f s, no crash",
                 target.name, count, Date().timeIntervalSince(start), corpus.count, slowest))
}
