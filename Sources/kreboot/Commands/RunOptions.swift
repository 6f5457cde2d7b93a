import LinuxSystem
import ArgumentParser

/// Who carries out the quiesce after the load.
enum Via: String, ExpressibleByArgument, CaseIterable {
    case kreboot, systemd
}

/// The options of the main pipeline: what to do and how carefully.
struct RunOptions: ParsableArguments {
    @Flag(name: .customLong("dry-run"), help: "Show the plan (entry, kernel, command line, steps, checks) and change nothing.")
    var dryRun = false

    @Flag(name: .customLong("test-kdump"), help: "Verified crash test: load the capture kernel, quiesce, panic; the capture kernel saves the dump.")
    var testKdump = false

    @Flag(name: .long, help: "Do not ask for confirmation (for scripts).")
    var yes = false

    @Option(name: .long, help: ArgumentHelp("Who quiesces: kreboot (default: isolate, unmount, remount, sync, kexec, with rollback) or systemd (load, then hand over to systemd's kexec.target, like systemctl kexec).", valueName: "kreboot|systemd"))
    var via: Via = .kreboot

    @Flag(name: .long, help: "Proceed despite other users' sessions or inhibitors; kexec even if a file system stays mounted read-write.")
    var force = false
}
