@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// `kreboot load --crash --kernel PATH` (a kdump-test plan with an explicit kernel) gets the capture command line.
@Suite struct CaptureTargetTests {
    @Test func explicitKernelGetsTheCaptureCommandLine() throws {
        let snapshot = SystemSnapshot(process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                      commandLine: "BOOT_IMAGE=/boot/vmlinuz root=/dev/nvme0n1 rw console=ttyS0 crashkernel=256M",
                                      kernel: KernelState(kexecLoaded: false, kexecCrashSize: 256 << 20))
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, kernel: "/boot/vmlinuz-6.1.0-28-amd64"))
        let target = try #require(plan.target)
        #expect(target.commandLine == "root=/dev/nvme0n1 rw console=ttyS0 irqpoll nr_cpus=1 reset_devices")
        let reboot = RebootPlanner.plan(snapshot, PlanOptions(mode: .reboot, kernel: "/boot/vmlinuz-6.1.0-28-amd64"))
        #expect(reboot.target?.commandLine == "root=/dev/nvme0n1 rw console=ttyS0 crashkernel=256M")
    }
}
