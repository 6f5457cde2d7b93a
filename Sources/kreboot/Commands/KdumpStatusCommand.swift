import ArgumentParser
import Execution
import Kdump
import KexecCore
import LinuxSystem
import RebootPlan

/// `kreboot kdump status`: exit 0 when a capture kernel is loaded, 3 when not (as `systemctl is-active`).
struct KdumpStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say whether a capture kernel is loaded, which, with which command line, and how the reservation compares with calibrate.",
        discussion: "Exits 0 when a capture kernel is loaded, 3 when none is.")

    @OptionGroup var options: KdumpServiceOptions

    func run() throws {
        let status = options.service().status()
        if options.global.json {
            try JSONOutput.print(status)
        } else {
            for line in status.text { print(line) }
        }
        if status.loaded != true { throw ExitCode(3) }
    }
}

/// `kreboot kdump reload`: stop + start when something changed since the recorded load.
struct KdumpReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Load the capture kernel again when the kernel, initrd, configuration or command line changed.")

    @OptionGroup var options: KdumpServiceOptions

    @Flag(name: .long, help: "Reload even when nothing changed.")
    var force = false

    func validate() throws { try options.requireRealRoot("reload") }

    func run() throws {
        let prepared = options.preparedService()
        switch prepared.service.reload(force: force) {
        case .failure(let refusal):
            throw refusal.report()
        case .success(.upToDate(let request)):
            if !options.global.json { print("capture kernel up to date: \(request.image.kernel)") }
        case .success(.reloaded(let reasons, let started)):
            Terminal.error("reloaded: " + (reasons.isEmpty ? "--force" : reasons.joined(separator: "; ")))
            try KdumpStartCommand.render(started, json: options.global.json, initrdNote: prepared.initrdNote)
        }
    }
}
