import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot inspect FILE`: what a kernel image is — format, architecture, release — read from its headers.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a kernel image (bzImage, ELF vmlinux, arm64 Image, UKI) or a vmcore (ELF, kdump-compressed, flattened).",
        discussion: "Exits 65 with a message naming the file when it is empty, truncated or not a kernel image.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The kernel image (under --root when given).", valueName: "FILE"))
    var file: String

    /// The JSON form: the image facts plus the path and this machine's architecture.
    struct Report: Encodable {
        let path: String
        let info: KernelImageInfo
        let machineArch: String

        enum Key: String, CodingKey { case path, machineArch, matchesMachine }

        func encode(to encoder: any Encoder) throws {
            try info.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(path, forKey: .path)
            try c.encode(machineArch, forKey: .machineArch)
            try c.encode(info.arch == machineArch, forKey: .matchesMachine)
        }
    }

    func run() throws {
        let root = RootDirectory(global.root)
        // Under --root, a relative FILE is relative to the root, as the system there would see it; the
        // file is opened inside the tree through the gateway either way.
        if VmcoreInspector.recognises(root: root, path: file) {
            throw ExitCode(try VmcoreOutput.emit(root: root, path: file, json: global.json))
        }
        switch KernelImageInspector.inspect(root: root, path: file) {
        case .failure(let error):
            Terminal.error(error.message)
            throw ExitCode(ExitStatus.forPlanError(error))
        case .success(let info):
            let machine = ProcessContext.current().machineArch
            if global.json {
                try JSONOutput.print(Report(path: file, info: info, machineArch: machine))
            } else {
                print(Self.text(file: file, info: info, machineArch: machine))
            }
        }
    }

    /// The report for people: one `key: value` row each.
    static func text(file: String, info: KernelImageInfo, machineArch: String) -> String {
        var rows: [(String, String)] = [
            ("file", file), ("kind", info.kind), ("format", info.format.rawValue),
            ("arch", info.arch + (info.arch == machineArch ? "" : "  (this machine is \(machineArch))")),
            ("release", info.release ?? "unknown"),
        ]
        if let version = info.version { rows.append(("version", version)) }
        rows += info.details.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n")
    }
}
