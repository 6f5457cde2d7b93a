@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

/// The planner on hand-built snapshots: target choice, command line, steps and checks.
@Suite struct RebootPlannerTests {
    static let kernel61 = "/boot/vmlinuz-6.1.0-28-amd64"
    static let kernel612 = "/boot/vmlinuz-6.12.9-amd64"

    static func image(_ release: String, arch: String = "x86_64") -> KernelImageInfo {
        KernelImageInfo(format: .bzImage, arch: arch, release: release)
    }

    static func kernelFile(_ path: String, release: String, arch: String = "x86_64") -> FileFacts {
        FileFacts(path: path, exists: true, readable: true, isRegularFile: true, size: 8 << 20, image: image(release, arch: arch))
    }

    static func initrdFile(_ path: String) -> FileFacts {
        FileFacts(path: path, exists: true, readable: true, isRegularFile: true, size: 30 << 20)
    }

    /// A Debian-like machine: GRUB default 6.1, a submenu entry for 6.12, /srv/data and /srv/data/cache mounted.
    static func snapshot() -> SystemSnapshot {
        let entries = [
            BootEntry(id: "gnulinux-simple", title: "Debian GNU/Linux", kernel: kernel61,
                      initrds: ["/boot/initrd.img-6.1.0-28-amd64"], options: "root=UUID=abc ro quiet",
                      source: .grub, file: "/boot/grub/grub.cfg", index: "0"),
            BootEntry(id: "gnulinux-6.12", title: "Debian GNU/Linux, with Linux 6.12.9-amd64", kernel: kernel612,
                      initrds: [], options: "root=UUID=abc ro",
                      source: .grub, file: "/boot/grub/grub.cfg",
                      menuPath: ["Advanced options for Debian GNU/Linux", "Debian GNU/Linux, with Linux 6.12.9-amd64"], index: "1>0"),
        ]
        let mounts = [
            MountEntry(id: 1, parentID: 0, source: "/dev/nvme0n1", target: "/", fstype: "ext4"),
            MountEntry(id: 2, parentID: 1, source: "proc", target: "/proc", fstype: "proc"),
            MountEntry(id: 3, parentID: 1, source: "/dev/nvme0n2", target: "/srv/data", fstype: "ext4"),
            MountEntry(id: 4, parentID: 3, source: "/dev/nvme0n3", target: "/srv/data/cache", fstype: "xfs"),
            MountEntry(id: 5, parentID: 1, source: "tmpfs", target: "/run", fstype: "tmpfs"),
        ]
        return SystemSnapshot(
            process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
            mounts: mounts,
            commandLine: "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=abc ro quiet crashkernel=256M",
            kernel: KernelState(kexecLoaded: false, kexecCrashLoaded: false, kexecCrashSize: 256 << 20,
                                kexecLoadDisabled: false, lockdown: LockdownMode.none, memTotalBytes: 2 << 30,
                                runningRelease: "6.1.0-28-amd64"),
            bootLoader: BootLoaderDiscovery(entries: entries, defaultIndex: 0, defaultRule: "GRUB set default=\"0\" in /boot/grub/grub.cfg",
                                            configFile: "/boot/grub/grub.cfg", kind: .grub),
            files: [kernel61: kernelFile(kernel61, release: "6.1.0-28-amd64"),
                    kernel612: kernelFile(kernel612, release: "6.12.9-amd64"),
                    "/boot/initrd.img-6.1.0-28-amd64": initrdFile("/boot/initrd.img-6.1.0-28-amd64")],
            freeSpace: ["/var/crash": 10 << 30],
            sessions: [])
    }

    @Test func defaultEntryIsChosenWithItsCommandLine() throws {
        let plan = RebootPlanner.plan(Self.snapshot(), PlanOptions())
        let target = try #require(plan.target)
        #expect(target.kernel == Self.kernel61)
        #expect(target.initrds == ["/boot/initrd.img-6.1.0-28-amd64"])
        #expect(target.commandLine == "root=UUID=abc ro quiet")
        #expect(target.release == "6.1.0-28-amd64")
        #expect(target.source.kind == .grub)
        #expect(target.source.file == "/boot/grub/grub.cfg")
        #expect(plan.ok)
        #expect(plan.commandLineChange == .init(added: [], removed: ["crashkernel=256M"]))
    }

    @Test func stepsLoadFirstThenQuiesceChildrenBeforeParentsThenExec() {
        var snapshot = Self.snapshot()
        snapshot.mounts = []  // MountClassifier decides unmounts; with no mounts only / is remounted
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.steps.first == .load(KexecImage(kernel: Self.kernel61, initrds: ["/boot/initrd.img-6.1.0-28-amd64"],
                                                    commandLine: "root=UUID=abc ro quiet")))
        #expect(plan.steps[1] == .isolate(unit: "rescue.target"))
        #expect(plan.steps.suffix(3) == [.remountReadOnly(path: "/"), .sync, .exec])
    }

    @Test(arguments: ["gnulinux-6.12", "1>0", "Debian GNU/Linux, with Linux 6.12.9-amd64",
                      "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.12.9-amd64"])
    func entrySelectorFindsTheSubmenuEntry(_ selector: String) throws {
        let plan = RebootPlanner.plan(Self.snapshot(), PlanOptions(entry: selector))
        let target = try #require(plan.target)
        #expect(target.kernel == Self.kernel612)
        #expect(target.release == "6.12.9-amd64")
        #expect(target.source.rule?.contains("--entry") == true)
    }

    @Test func unknownEntryFailsTheBootEntryCheck() {
        let plan = RebootPlanner.plan(Self.snapshot(), PlanOptions(entry: "no-such-entry"))
        #expect(plan.target == nil)
        #expect(!plan.ok)
        #expect(plan.firstFailure?.id == .bootEntry)
        #expect(plan.firstFailure?.message.contains("no-such-entry") == true)
    }

    @Test func explicitKernelWinsAndReusesTheRunningCommandLine() throws {
        var snapshot = Self.snapshot()
        snapshot.files["/tmp/vmlinuz"] = Self.kernelFile("/tmp/vmlinuz", release: "6.13.0")
        let plan = RebootPlanner.plan(snapshot, PlanOptions(kernel: "/tmp/vmlinuz", append: "kreboot.token=42"))
        let target = try #require(plan.target)
        #expect(target.source.kind == .explicit)
        #expect(target.kernel == "/tmp/vmlinuz")
        #expect(target.initrds.isEmpty)
        #expect(target.commandLine == "root=UUID=abc ro quiet crashkernel=256M kreboot.token=42")
        #expect(plan.commandLineChange?.added == ["kreboot.token=42"])
    }

    @Test func commandLineOverrides() throws {
        let s = Self.snapshot()
        #expect(RebootPlanner.plan(s, PlanOptions(commandLine: "root=/dev/sda1 rw")).target?.commandLine == "root=/dev/sda1 rw")
        #expect(RebootPlanner.plan(s, PlanOptions(reuseCommandLine: true)).target?.commandLine
                == "root=UUID=abc ro quiet crashkernel=256M")
        #expect(RebootPlanner.plan(s, PlanOptions(append: "single")).target?.commandLine == "root=UUID=abc ro quiet single")
    }

    @Test func missingKernelFailsNamingTheFile() {
        var snapshot = Self.snapshot()
        snapshot.files[Self.kernel61] = FileFacts(path: Self.kernel61, exists: false)
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.firstFailure == PlanCheck(.kernelImage, .fail, "\(Self.kernel61): no such file"))
    }

    @Test func corruptKernelFailsWithTheInspectorsMessage() {
        var snapshot = Self.snapshot()
        snapshot.files[Self.kernel61] = FileFacts(path: Self.kernel61, exists: true, readable: true, isRegularFile: true,
                                                  size: 100, imageProblem: "\(Self.kernel61): not a kernel image (no bzImage, ELF, arm64 or PE header)")
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.firstFailure?.id == .kernelImage)
        #expect(plan.firstFailure?.message.hasPrefix(Self.kernel61) == true)
    }

    @Test func kernelForAnotherArchitectureFails() {
        var snapshot = Self.snapshot()
        snapshot.files[Self.kernel61] = Self.kernelFile(Self.kernel61, release: "6.1.0-28-arm64", arch: "aarch64")
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.firstFailure?.id == .kernelImage)
        #expect(plan.firstFailure?.message.contains("aarch64") == true)
    }

    @Test func kernelWhoseFileNameDisagreesWithItsReleaseWarns() {
        var snapshot = Self.snapshot()
        snapshot.files[Self.kernel61] = Self.kernelFile(Self.kernel61, release: "6.1.0-56-cloud-amd64")
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        let check = plan.checks.first { $0.id == .kernelImage }
        #expect(check?.status == .warn)
        #expect(check?.message.contains("6.1.0-56-cloud-amd64") == true)
        #expect(plan.ok)
    }

    @Test func missingInitrdFails() {
        var snapshot = Self.snapshot()
        snapshot.files["/boot/initrd.img-6.1.0-28-amd64"] = FileFacts(path: "/boot/initrd.img-6.1.0-28-amd64", exists: false)
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.firstFailure == PlanCheck(.initrd, .fail, "/boot/initrd.img-6.1.0-28-amd64: no such file"))
    }

    @Test func notRootAndKexecStateFailures() {
        var snapshot = Self.snapshot()
        snapshot.process.effectiveUID = 1000
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).firstFailure?.id == .root)
        snapshot = Self.snapshot()
        snapshot.process.containerReason = "running in a container (docker)"
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).firstFailure?.message.contains("container") == true)
        snapshot = Self.snapshot()
        snapshot.kernel.kexecLoadDisabled = true
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).firstFailure?.id == .kexecLoadDisabled)
        snapshot = Self.snapshot()
        snapshot.kernel.kexecLoaded = nil
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).firstFailure?.id == .kexecSupported)
    }

    @Test func otherUsersSessionsBlockUnlessIgnored() {
        var snapshot = Self.snapshot()
        snapshot.sessions = [LoginSession(id: "3", user: "alice", uid: 1000, remoteHost: "10.0.0.5")]
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.firstFailure?.id == .sessions)
        #expect(plan.firstFailure?.message.contains("alice") == true)
        let forced = RebootPlanner.plan(snapshot, PlanOptions(policy: RunPolicy(ignoreSessions: true)))
        #expect(forced.ok)
        #expect(forced.checks.first { $0.id == .sessions }?.status == .warn)
    }

    @Test func kdumpTestLoadsTheCaptureKernelAndPanics() throws {
        let plan = RebootPlanner.plan(Self.snapshot(), PlanOptions(mode: .kdumpTest))
        #expect(plan.mode == .kdumpTest)
        #expect(plan.steps.first?.action == .loadCrash)
        #expect(plan.steps.last == .panic)
        #expect(!plan.steps.contains(.exec))
        let target = try #require(plan.target)
        #expect(target.kernel == Self.kernel61)
        // CaptureCommandLine's rule: quiet dropped, the defaults, kreboot's unit (the entry has an initrd).
        #expect(target.commandLine == "root=UUID=abc ro irqpoll nr_cpus=1 reset_devices systemd.unit=kreboot-save-dump.service")
        #expect(plan.checks.contains { $0.id == .crashkernel && $0.status == .pass })
        var expected = KdumpCapture(armedBy: "kreboot", loadedBefore: false, savedBy: "kreboot",
                                    saveDirectory: "/var/crash", layout: "/var/crash/<date-time>/vmcore + dmesg.txt",
                                    commandLineRule: plan.capture?.commandLineRule)
        expected.delivery = DumpDelivery(target: .local("/var/crash"), network: CaptureNetwork(mode: .auto), notification: DumpNotification())
        #expect(plan.capture == expected)
        #expect(plan.checks.first?.id == .kdumpConfig && plan.checks.first?.status == .pass)
        #expect(plan.capture?.commandLineRule?.contains("systemd.unit=kreboot-save-dump.service") == true)
        #expect(plan.checks.contains { $0.id == .capture && $0.status == .pass })
        #expect(plan.checks.contains { $0.id == .dumpSpace && $0.status == .pass })
        #expect(plan.ok)
    }

    @Test func kdumpTestSkipsTheLoadWhenACaptureKernelIsLoaded() {
        var snapshot = Self.snapshot()
        snapshot.kernel.kexecCrashLoaded = true
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        #expect(!plan.steps.contains { $0.action == .loadCrash })
        #expect(plan.steps.first == .isolate(unit: "rescue.target"))
        // Loaded by nobody kreboot knows: the test proceeds, but says it cannot find the dump.
        #expect(plan.capture?.armedBy == "unknown")
        #expect(plan.checks.first { $0.id == .capture }?.status == .warn)
        #expect(plan.ok)
    }

    @Test func aCaptureKernelArmedByKdumpToolsIsVerifiedWhereKdumpToolsSavesIt() {
        var snapshot = Self.snapshot()
        snapshot.kernel.kexecCrashLoaded = true
        snapshot.kdump = KdumpConfigReader.parse(text: "KDUMP_COREDIR=/var/crash/kdump\n", file: "/etc/default/kdump-tools")
        snapshot.kdumpSavers = [KdumpSaver(kind: .kdumpTools, configFile: "/etc/default/kdump-tools",
                                           saveDirectory: "/var/crash/kdump", installed: true)]
        snapshot.freeSpace["/var/crash/kdump"] = 10 << 30
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        #expect(!plan.steps.contains { $0.action == .loadCrash })
        #expect(plan.capture?.armedBy == "kdump-tools")
        #expect(plan.capture?.loadedBefore == true)
        #expect(plan.capture?.savedBy == "kdump-tools")
        #expect(plan.capture?.saveDirectory == "/var/crash/kdump")
        #expect(plan.capture?.layout == "/var/crash/kdump/<YYYYmmddHHMM>/dump.<YYYYmmddHHMM> + dmesg.<YYYYmmddHHMM>")
        let check = plan.checks.first { $0.id == .capture }
        #expect(check?.status == .pass)
        #expect(check?.message.contains("armed by kdump-tools before this run") == true)
        #expect(plan.checks.first { $0.id == .dumpSpace }?.message.hasPrefix("/var/crash/kdump:") == true)
    }

    @Test func anInstalledServiceWinsOverAConfigurationAlone() {
        var snapshot = Self.snapshot()
        snapshot.kernel.kexecCrashLoaded = true
        snapshot.kdumpSavers = [KdumpSaver(kind: .kdumpUtils, configFile: "/etc/kdump.conf", saveDirectory: "/var/crash", installed: false),
                                KdumpSaver(kind: .kdumpTools, configFile: "/etc/default/kdump-tools", saveDirectory: "/var/crash", installed: true)]
        #expect(RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest)).capture?.armedBy == "kdump-tools")
        snapshot.kdumpSavers[1].installed = false
        #expect(RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest)).capture?.armedBy == "kdump-utils")
    }

    @Test func aCaptureKernelKrebootLoadedIsSavedAsItsCommandLineSays() {
        var snapshot = Self.snapshot()
        snapshot.kernel.kexecCrashLoaded = true
        snapshot.kdumpSavers = [KdumpSaver(kind: .kdumpTools, configFile: "/etc/default/kdump-tools", saveDirectory: "/srv/dumps", installed: true)]
        let loaded = KexecImage(kernel: Self.kernel61, initrds: [], commandLine: "root=/dev/vda irqpoll systemd.unit=kdump-tools-dump.service")
        snapshot.crashLoadRecord = KexecLoadRecord(image: loaded, info: nil, crash: true, method: .fileSyscall)
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        #expect(plan.capture?.armedBy == "kreboot")
        #expect(plan.capture?.savedBy == "kdump-tools")
        #expect(plan.capture?.saveDirectory == "/srv/dumps")
        snapshot.crashLoadRecord?.commandLine = "root=/dev/vda irqpoll init=/usr/sbin/kreboot -- save-dump"
        #expect(RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest)).capture?.savedBy == "kreboot")
    }

    @Test func aRebootPlanHasNoCaptureSide() {
        #expect(RebootPlanner.plan(Self.snapshot(), PlanOptions()).capture == nil)
    }

    @Test func kdumpTestWithoutReservationFails() {
        var snapshot = Self.snapshot()
        snapshot.kernel.kexecCrashSize = 0
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        #expect(plan.firstFailure?.id == .crashkernel)
        #expect(plan.firstFailure?.message.contains("crashkernel=") == true)
    }

    @Test func kdumpConfigCommandLineAndKernelOverride() throws {
        var snapshot = Self.snapshot()
        snapshot.kdump = KdumpConfig(file: "/etc/sysconfig/kdump", commandLine: "root=/dev/sda1 nr_cpus=1",
                                     commandLineAppend: "console=ttyS0", kernel: Self.kernel612)
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        let target = try #require(plan.target)
        #expect(target.kernel == Self.kernel612)
        #expect(target.source.kind == .kdumpConfig)
        // KDUMP_COMMANDLINE replaces the running line; the defaults it lacks are added, then the append,
        // then kreboot's init= (no initrd configured).
        #expect(target.commandLine == "root=/dev/sda1 irqpoll nr_cpus=1 reset_devices console=ttyS0 "
            + "init=/usr/sbin/kreboot -- save-dump")
    }

    @Test func dumpSpaceShortageFails() {
        var snapshot = Self.snapshot()
        snapshot.freeSpace["/var/crash"] = 10 << 20
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        #expect(plan.firstFailure?.id == .dumpSpace)
    }

    @Test func commandLineSplittingKeepsQuotedValues() {
        let line = KernelCommandLine(#"root=/dev/sda1  acpi_osi="Windows 2020" quiet"#)
        #expect(line.parameters == ["root=/dev/sda1", #"acpi_osi="Windows 2020""#, "quiet"])
        #expect(KernelCommandLine("BOOT_IMAGE=/vmlinuz initrd=/x ro").reusable.description == "ro")
    }

    @Test func planJSONHasTheContractKeys() throws {
        let plan = RebootPlanner.plan(Self.snapshot(), PlanOptions())
        let encoder = JSONEncoder()
        let object = try JSONSerialization.jsonObject(with: encoder.encode(plan)) as! [String: Any]
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["mode"] as? String == "reboot")
        #expect(object["ok"] as? Bool == true)
        let target = try #require(object["target"] as? [String: Any])
        #expect((target["source"] as? [String: Any])?["kind"] as? String == "grub")
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.first?["action"] as? String == "load")
        #expect(steps[1]["unit"] as? String == "rescue.target")
    }
}
