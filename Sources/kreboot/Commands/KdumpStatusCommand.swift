import ArgumentParser
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
        let session = options.session()
        var request: KdumpServiceRequest?
        if case .success(let wanted) = session.request() { request = wanted }
        let status = KdumpServiceStatus(kernel: session.snapshot.kernel, recorded: session.stateFile.read(),
                                        verdict: session.verdict, recommendedMiB: session.recommendation.totalMiB,
                                        request: request, decision: request.map { session.decision(for: $0) })
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
        let session = options.session()
        if let refused = session.checkEnvironment("crash load") { throw ExitCode(refused) }
        let request: KdumpServiceRequest
        switch session.request() {
        case .failure(let status): throw ExitCode(status)
        case .success(let wanted): request = wanted
        }
        let decision = session.decision(for: request)
        guard decision.needed || force else {
            if !options.global.json { print("capture kernel up to date: \(request.image.kernel)") }
            return
        }
        Terminal.error("reloading: " + (decision.reasons.isEmpty ? "--force" : decision.reasons.joined(separator: "; ")))
        if session.snapshot.kernel.kexecCrashLoaded == true {
            let stopped = session.unload()
            guard stopped == .ok else { throw ExitCode(stopped) }
        }
        throw ExitCode(KdumpStartCommand.start(session, json: options.global.json))
    }
}
