import Execution
import Kdump
import KexecCore
import LinuxSystem
import RebootPlan
import Testing

/// `KdumpService` on hand-built snapshots: the capture kernel it would load (the planner's one rule), and the
/// refusals that come before any load.
@Suite struct KdumpServiceTests {
    static let kernel = "/boot/vmlinuz-6.1.0-28-cloud-amd64"

    static func snapshot(uid: UInt32 = 0, reserved: UInt64 = 256 << 20) -> SystemSnapshot {
        var snapshot = SystemSnapshot(process: ProcessContext(effectiveUID: uid, hasCapSysBoot: uid == 0, machineArch: "x86_64"),
                                      commandLine: "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1 rw quiet crashkernel=256M",
                                      kernel: KernelState(kexecLoaded: false, kexecCrashLoaded: false, kexecCrashSize: reserved,
                                                          kexecLoadDisabled: false, lockdown: LockdownMode.none,
                                                          memTotalBytes: 2 << 30, runningRelease: "6.1.0-28-cloud-amd64"),
                                      kdump: KdumpConfigReader.parse(text: "KDUMP_COREDIR=/data\n", file: "/etc/default/kdump-tools"),
                                      files: [kernel: FileFacts(path: kernel, exists: true, readable: true, isRegularFile: true, size: 8 << 20,
                                                                image: KernelImageInfo(format: .bzImage, arch: "x86_64", release: "6.1.0-28-cloud-amd64"))])
        snapshot.krebootPath = "/usr/local/bin/kreboot"
        snapshot.dumpSaveDevice = "/dev/nvme0n2"
        return snapshot
    }

    static func service(_ snapshot: SystemSnapshot) -> KdumpService {
        KdumpService(root: snapshot.root, stateFile: "/nonexistent/kreboot-test-state.json", snapshot: snapshot)
    }

    @Test func theServiceLoadsWhatTheKdumpTestWouldWithTheSameCommandLine() throws {
        let snapshot = Self.snapshot()
        let request = try Self.service(snapshot).request().get()
        #expect(request.image.kernel == Self.kernel)
        #expect(request.image.commandLine == "root=/dev/nvme0n1 rw irqpoll nr_cpus=1 reset_devices "
            + "init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2")
        let test = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, policy: RunPolicy(ignoreSessions: true)))
        #expect(test.image == request.image)
        let load = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, kernel: Self.kernel))
        #expect(load.target?.commandLine == request.image.commandLine)
        #expect(request.explanation.contains("init=/usr/local/bin/kreboot save-dump"))
    }

    @Test func startRefusesWithoutAReservationBeforeLoading() {
        let service = Self.service(Self.snapshot(reserved: 0))
        guard case .failure(.reservation(let verdict)) = service.start() else {
            Issue.record("start without a reservation did not refuse it")
            return
        }
        #expect(verdict.kind == "missing")
        #expect(service.status().reservation == "missing")
    }

    @Test func startAndStopRefuseANonRootUser() {
        let service = Self.service(Self.snapshot(uid: 1000))
        guard case .failure(.kexec(let error)) = service.start() else {
            Issue.record("start as uid 1000 was not refused")
            return
        }
        #expect(error.code == .noPermission)
        guard case .failure(.kexec) = service.stop() else {
            Issue.record("stop as uid 1000 was not refused")
            return
        }
    }

    @Test func statusWantsTheRequestAndSaysNothingIsLoaded() {
        let status = Self.service(Self.snapshot()).status()
        #expect(status.loaded == false)
        #expect(status.wanted?.kernel == Self.kernel)
        #expect(status.text.first == "capture kernel not loaded")
        #expect(status.reloadReasons == ["no capture kernel is loaded"])
    }

    @Test func aMissingKernelIsACheckRefusal() {
        var snapshot = Self.snapshot()
        snapshot.files = [:]
        guard case .failure(.check(let check)) = Self.service(snapshot).request() else {
            Issue.record("a missing capture kernel was not refused")
            return
        }
        #expect(check.id == .kernelImage)
    }

    /// `kdump start` and `load --crash` refuse a malformed dump target before loading anything (exit 78 in
    /// the CLI), naming the file and the option.
    @Test func aMalformedDumpTargetIsRefusedBeforeLoading() {
        var snapshot = Self.snapshot()
        snapshot.kdump = KdumpConfigReader.parse(text: "SSH=\"root@\"\n", file: "/etc/default/kdump-tools")
        guard case .failure(.check(let check)) = Self.service(snapshot).request() else {
            Issue.record("kdump start accepted SSH=root@")
            return
        }
        #expect(check.id == .kdumpConfig)
        #expect(check.message.hasPrefix("/etc/default/kdump-tools: SSH: "))
        let options = PlanOptions(mode: .kdumpTest, policy: RunPolicy(ignoreSessions: true))
        guard case .failure(.check(let loadCheck)) = KernelLoading(stateFile: "/nonexistent/kreboot-test-state.json").load(snapshot, options: options) else {
            Issue.record("load --crash accepted SSH=root@")
            return
        }
        #expect(loadCheck.id == .kdumpConfig)
    }
}
