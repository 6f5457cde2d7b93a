import ArgumentParser
import RebootPlan

extension QuiesceStrategy: ExpressibleByArgument {}

/// What a plan is for and what it may override: the options `kreboot` and `kreboot plan` share, so both
/// plan the same thing.
struct PlanningOptions: ParsableArguments {
    @Flag(name: .customLong("test-kdump"), help: "Verified crash test: load the capture kernel, quiesce, panic; the capture kernel saves the dump.")
    var testKdump = false

    @Option(name: .long, help: ArgumentHelp("Who quiesces: kreboot (default: isolate, swaps off, journal to /run, unmount, remount, sync, kexec, with rollback) or systemd (load, then hand over to systemd's kexec.target, like systemctl kexec).", valueName: "kreboot|systemd"))
    var via: QuiesceStrategy = .kreboot

    @Flag(name: .customLong("ignore-sessions"), help: "Proceed although other users are logged in.")
    var ignoreSessions = false

    @Flag(name: .customLong("ignore-inhibitors"), help: "Proceed although a logind inhibitor lock blocks shutdown.")
    var ignoreInhibitors = false

    @Flag(name: .customLong("detach-unreachable-network-mounts"), help: "A network file system whose server does not answer the preflight probe is detached lazily (umount2 MNT_DETACH, with MNT_FORCE for NFS) instead of refusing the run (75). What the client still held for it is lost.")
    var detachUnreachableNetworkMounts = false

    @Flag(name: .long, help: ArgumentHelp("Removed: use --ignore-sessions and/or --ignore-inhibitors.", visibility: .hidden))
    var force = false

    func validate() throws {
        if force {
            throw ValidationError("--force was split: use --ignore-sessions (other users logged in) and/or --ignore-inhibitors (logind inhibitor locks); a file system left read-write before the kexec is never overridden")
        }
        if via == .systemd && testKdump {
            throw ValidationError("--via systemd is for reboots; --test-kdump uses kreboot's own quiesce and panic")
        }
    }

    /// The plan's mode.
    var mode: PlanMode { testKdump ? .kdumpTest : .reboot }

    /// The plan's policy.
    var policy: RunPolicy {
        RunPolicy(strategy: via, ignoreSessions: ignoreSessions, ignoreInhibitors: ignoreInhibitors,
                  detachUnreachableNetworkMounts: detachUnreachableNetworkMounts)
    }
}

/// The options of the main pipeline besides the planning ones: show the plan only, or do not ask.
struct RunOptions: ParsableArguments {
    @Flag(name: .customLong("dry-run"), help: "Show the plan (entry, kernel, command line, steps, checks) and change nothing; with calibrate --apply, the change.")
    var dryRun = false

    @Flag(name: .long, help: "Do not ask for confirmation (for scripts; also calibrate --apply).")
    var yes = false
}
