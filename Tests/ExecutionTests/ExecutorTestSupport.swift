@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport

/// A plan, its image, and fakes wired into an executor, for executor tests.
final class ExecutorHarness {
    let loader = RecordingKexecLoader()
    let services = RecordingServiceManager(defaultTarget: "graphical.target")
    let mounts: RecordingMountOperations
    let swaps = RecordingSwapOperations(active: ["/swap.img"])
    let journal = RecordingJournal()
    let grubEnvironment = RecordingGrubEnvironment(files: ["/boot/grub/grubenv": ["next_entry": "custom-612", "saved_entry": "0"]])
    /// EFI variables: none unless a test points efivarfs at a temporary directory.
    var efiVariables: any EfiVariables = NoEfiVariables()
    private(set) var events: [StepEvent] = []

    static let image = KexecImage(kernel: "/boot/vmlinuz-6.1.0-28-amd64", initrds: ["/boot/initrd.img-6.1.0-28-amd64"],
                                  commandLine: "root=/dev/vda1 ro quiet")
    static let data = MountEntry(source: "/dev/vdb", target: "/srv/data", fstype: "ext4", vfsOptions: "rw,relatime", fsOptions: "rw")
    static let backup = MountEntry(source: "/dev/vdc", target: "/srv/backup", fstype: "xfs", vfsOptions: "rw,relatime", fsOptions: "rw")
    static let root = MountEntry(source: "/dev/vda1", target: "/", fstype: "ext4", vfsOptions: "rw,relatime", fsOptions: "rw,errors=remount-ro")
    static let pseudo = [
        MountEntry(source: "proc", target: "/proc", fstype: "proc", vfsOptions: "rw,nosuid"),
        MountEntry(source: "tmpfs", target: "/run", fstype: "tmpfs", vfsOptions: "rw,nosuid", fsOptions: "rw"),
        MountEntry(source: "udev", target: "/dev", fstype: "devtmpfs", vfsOptions: "rw,nosuid", fsOptions: "rw"),
    ]

    /// The persistent journal, on `/`.
    static let journalDirectory = "/var/log/journal"

    /// A reboot plan with two data mounts and the journal on `/`: load, isolate, unmount ×2, move the journal,
    /// remount / read-only, sync, exec.
    static let fullPlan = RebootPlan(
        mode: .reboot,
        target: BootTarget(kernel: image.kernel, initrds: image.initrds, commandLine: image.commandLine,
                           source: .init(kind: .explicit)),
        steps: [.load(image), .isolate(unit: "rescue.target"), .unmount(data), .unmount(backup),
                .moveJournal(journalDirectory: journalDirectory), .remountReadOnly(path: "/"), .sync, .exec],
        checks: [PlanCheck(.root, .pass, "running as root")], policy: RunPolicy(busyRetry: busyRetry))

    /// A kdump test plan: load the capture kernel, quiesce, panic.
    static let kdumpPlan = RebootPlan(
        mode: .kdumpTest,
        target: BootTarget(kernel: image.kernel, initrds: image.initrds, commandLine: image.commandLine,
                           source: .init(kind: .kdumpConfig)),
        steps: [.loadCrash(image), .isolate(unit: "rescue.target"), .unmount(data), .unmount(backup),
                .moveJournal(journalDirectory: journalDirectory), .remountReadOnly(path: "/"), .sync, .panic],
        checks: [PlanCheck(.crashkernel, .pass, "256 MiB reserved")], policy: RunPolicy(busyRetry: busyRetry))

    init(extraMounts: [MountEntry] = [], writers: [String: [MountWriter]] = [:]) {
        mounts = RecordingMountOperations(mounts: [Self.root] + Self.pseudo + [Self.data, Self.backup] + extraMounts,
                                          writers: writers)
    }

    /// The fakes, as the executor's parts.
    var parts: ExecutorParts {
        ExecutorParts(loader: loader, services: services, mounts: mounts, swaps: swaps, grubEnvironment: grubEnvironment,
                      journal: journal, efiVariables: efiVariables)
    }

    var executor: Executor {
        Executor(parts: parts) { [unowned self] in
            self.events.append($0)
        }
    }

    /// The steps that finished, in order.
    var finishedSteps: [PlanStep] {
        events.compactMap { if case .finished(_, let step, _, _) = $0 { step } else { nil } }
    }

    /// The notes of finished steps, by index.
    var notes: [Int: String] {
        var result: [Int: String] = [:]
        for case .finished(let index, _, _, let note?) in events { result[index] = note }
        return result
    }

    /// Two retries of a busy remount, with no pause between them.
    static let busyRetry = BusyRetry(attempts: 2, interval: .zero)

    /// The rollback actions reported through progress, in the order they ran.
    var rollbackActions: [String] {
        events.compactMap { if case .rollback(let action, nil) = $0 { action } else { nil } }
    }

    /// Runs `plan` and returns the error it threw, or nil.
    func run(_ plan: RebootPlan = fullPlan) -> RunError? {
        do throws(RunError) {
            try executor.run(plan)
            return nil
        } catch {
            return error
        }
    }
}

/// A QuiesceError as the real implementations throw them, for failure injection.
func injected(_ errno: Errno, _ operation: String, path: String? = nil) -> QuiesceError {
    QuiesceError(QuiesceError.code(for: errno), operation: operation, path: path, errno: errno, "\(operation): injected \(errno)")
}

/// A RunError as the grubenv editor throws them, for failure injection.
func injectedRunError(_ errno: Errno, _ operation: String, path: String? = nil) -> RunError {
    RunError(RunError.code(for: errno), operation: operation, path: path, errno: errno, "\(operation): injected \(errno)")
}

import SystemPackage
