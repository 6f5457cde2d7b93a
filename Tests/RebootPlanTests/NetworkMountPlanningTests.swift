@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

/// Network file systems in the plan: unmounted before the isolate (which stops networking), deepest first with
/// what is mounted on top of them first; the preflight probe's verdict as the `network-mounts` check (a dead
/// server refuses the plan, naming it); `--detach-unreachable-network-mounts` turns that mount's step into a
/// lazy detach that the plan shows, in words and in JSON.
@Suite struct NetworkMountPlanningTests {
    typealias P = RebootPlannerTests
    static let nfs = MountEntry(id: 10, parentID: 1, source: "10.0.9.1:/srv/nfs", target: "/mnt/nfs", fstype: "nfs4",
                                vfsOptions: "rw,relatime", fsOptions: "rw,vers=4.2,addr=10.0.9.1")
    static let onTopOfNFS = MountEntry(id: 11, parentID: 10, source: "/dev/nvme0n4", target: "/mnt/nfs/scratch", fstype: "ext4")
    static let cifs = MountEntry(id: 12, parentID: 3, source: "//fileserver/share", target: "/srv/data/share", fstype: "cifs")
    static let iscsi = MountEntry(id: 13, parentID: 1, source: "/dev/sdb1", target: "/srv/iscsi", fstype: "ext4")

    static func snapshot(_ extra: [MountEntry], probes: [String: NetworkMountProbe.Outcome] = [:]) -> SystemSnapshot {
        var snapshot = P.snapshot()
        snapshot.mounts += extra
        snapshot.networkMountProbes = SystemSnapshot.probeNetworkMounts(snapshot, probe: ScriptedProbe(probes))
        return snapshot
    }

    /// Answers from a table (reachable when not listed): the planner's view of the real child-process probe.
    struct ScriptedProbe: NetworkMountProbing {
        var answers: [String: NetworkMountProbe.Outcome]
        init(_ answers: [String: NetworkMountProbe.Outcome]) { self.answers = answers }
        func probe(_ mount: MountEntry) -> NetworkMountProbe {
            let outcome = answers[mount.target] ?? .reachable
            return NetworkMountProbe(path: mount.target, server: mount.networkServer, outcome: outcome,
                                     seconds: outcome == .unreachable ? 5 : 0.02)
        }
    }

    static func targets(_ steps: ArraySlice<PlanStep>) -> [String] {
        steps.compactMap { if case .unmount(let mount, _) = $0 { mount.target } else { nil } }
    }

    @Test func networkMountsGoBeforeTheIsolateAndLocalOnesAfter() throws {
        let plan = RebootPlanner.plan(Self.snapshot([Self.nfs, Self.cifs]), PlanOptions())
        let isolate = try #require(plan.steps.firstIndex(of: .isolate(unit: "rescue.target")))
        #expect(plan.steps[0].action == .load)
        #expect(Self.targets(plan.steps[..<isolate]).sorted() == ["/mnt/nfs", "/srv/data/share"])
        #expect(Self.targets(plan.steps[isolate...]) == ["/srv/data/cache", "/srv/data"])
        let nfsStep = try #require(plan.steps.first { $0.networkUnmount != nil && Self.targets([$0][...]) == ["/mnt/nfs"] })
        #expect(nfsStep.networkUnmount == NetworkUnmount(server: "10.0.9.1", probe: .reachable))
        #expect(nfsStep.summary.contains("while the network is up, within 30 s"))
        // The CIFS share sits on /srv/data (local): it goes first, before the isolate; /srv/data after it.
        #expect(plan.steps.first { Self.targets([$0][...]) == ["/srv/data/share"] }?.networkUnmount?.server == "fileserver")
        #expect(plan.ok)
        let check = try #require(plan.checks.first { $0.id == .networkMounts })
        #expect(check.status == .pass)
        #expect(check.message.contains("/mnt/nfs (server 10.0.9.1): answered in 0.02 s"))
    }

    @Test func whatIsMountedOnTopOfANetworkMountGoesFirstAndAlsoBeforeTheIsolate() throws {
        let plan = RebootPlanner.plan(Self.snapshot([Self.nfs, Self.onTopOfNFS]), PlanOptions())
        let isolate = try #require(plan.steps.firstIndex(of: .isolate(unit: "rescue.target")))
        #expect(Self.targets(plan.steps[..<isolate]) == ["/mnt/nfs/scratch", "/mnt/nfs"])
        // The ext4 on top is bounded too, with the server it depends on.
        #expect(plan.steps[1].networkUnmount?.server == "10.0.9.1")
    }

    @Test func aNetdevMountCountsAsANetworkMountWhateverItsType() throws {
        var snapshot = Self.snapshot([Self.iscsi])
        #expect(snapshot.networkMountProbes.isEmpty)
        snapshot.netdevMounts = ["/srv/iscsi"]
        snapshot.networkMountProbes = SystemSnapshot.probeNetworkMounts(snapshot, probe: ScriptedProbe([:]))
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        let isolate = try #require(plan.steps.firstIndex(of: .isolate(unit: "rescue.target")))
        #expect(Self.targets(plan.steps[..<isolate]) == ["/srv/iscsi"])
        #expect(snapshot.networkMountProbes.map(\.path) == ["/srv/iscsi"])
    }

    @Test func aDeadServerRefusesThePlanNamingTheServerAndTheMount() throws {
        let plan = RebootPlanner.plan(Self.snapshot([Self.nfs], probes: ["/mnt/nfs": .unreachable]), PlanOptions())
        #expect(!plan.ok)
        let check = try #require(plan.checks.first { $0.id == .networkMounts })
        #expect(check.status == .fail)
        #expect(check.message.contains("/mnt/nfs (server 10.0.9.1): server 10.0.9.1 did not answer within 5 s"))
        #expect(check.message.contains("--detach-unreachable-network-mounts"))
        #expect(plan.firstFailure?.id == .networkMounts)
        // The step stays an ordinary (bounded) unmount: no detach without the override.
        #expect(plan.steps.compactMap(\.networkUnmount) == [NetworkUnmount(server: "10.0.9.1", probe: .unreachable)])
    }

    @Test func theOverrideTurnsADeadMountIntoALazyDetachAndThePlanSaysSo() throws {
        var snapshot = Self.snapshot([Self.nfs, Self.onTopOfNFS, Self.cifs],
                                     probes: ["/mnt/nfs": .unreachable, "/srv/data/share": .failed])
        snapshot.mounts.append(MountEntry(id: 14, parentID: 1, source: "10.0.9.7:/home", target: "/home", fstype: "nfs"))
        snapshot.networkMountProbes = SystemSnapshot.probeNetworkMounts(snapshot,
            probe: ScriptedProbe(["/mnt/nfs": .unreachable, "/srv/data/share": .failed]))
        let plan = RebootPlanner.plan(snapshot, PlanOptions(policy: RunPolicy(detachUnreachableNetworkMounts: true)))
        #expect(plan.ok)
        #expect(plan.checks.first { $0.id == .networkMounts }?.status == .warn)
        let byPath = Dictionary(uniqueKeysWithValues: plan.steps.compactMap { step -> (String, NetworkUnmount)? in
            guard case .unmount(let mount, let network?) = step else { return nil }
            return (mount.target, network)
        })
        #expect(byPath["/mnt/nfs"] == NetworkUnmount(server: "10.0.9.1", probe: .unreachable, detach: true, force: true))
        #expect(byPath["/mnt/nfs/scratch"]?.detach == true)
        #expect(byPath["/mnt/nfs/scratch"]?.force == false, "MNT_FORCE is for NFS itself")
        #expect(byPath["/srv/data/share"] == NetworkUnmount(server: "fileserver", probe: .failed, detach: true, force: false))
        #expect(byPath["/home"] == NetworkUnmount(server: "10.0.9.7", probe: .reachable))
        let detach = try #require(plan.steps.first { $0.networkUnmount?.force == true })
        #expect(detach.summary == "detach /mnt/nfs lazily (10.0.9.1:/srv/nfs, nfs4; umount2 MNT_DETACH|MNT_FORCE): server 10.0.9.1 did not answer")
    }

    @Test func theNetworkPayloadAndThePolicyRoundTripThroughThePlanJSON() throws {
        let plan = RebootPlanner.plan(Self.snapshot([Self.nfs], probes: ["/mnt/nfs": .unreachable]),
                                      PlanOptions(policy: RunPolicy(detachUnreachableNetworkMounts: true)))
        let data = try JSONEncoder().encode(plan)
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: Any]])
        let unmount = try #require(steps.first { $0["path"] as? String == "/mnt/nfs" })
        #expect(unmount["action"] as? String == "unmount")
        let network = try #require(unmount["network"] as? [String: Any])
        #expect(network["server"] as? String == "10.0.9.1")
        #expect(network["detach"] as? Bool == true)
        #expect(network["force"] as? Bool == true)
        #expect(network["probe"] as? String == "unreachable")
        #expect(network["timeoutSeconds"] as? Double == 30)
        #expect((object["policy"] as? [String: Any])?["detachUnreachableNetworkMounts"] as? Bool == true)
        #expect(steps.filter { $0["path"] as? String == "/srv/data" }.allSatisfy { $0["network"] == nil })
        let decoded = try JSONDecoder().decode(RebootPlan.self, from: data)
        #expect(decoded.steps == plan.steps)
        #expect(decoded.policy == plan.policy)
    }

    @Test func viaSystemdHasNoNetworkStepsButTheProbeStillRefuses() {
        let plan = RebootPlanner.plan(Self.snapshot([Self.nfs], probes: ["/mnt/nfs": .unreachable]),
                                      PlanOptions(policy: RunPolicy(strategy: .systemd)))
        #expect(plan.steps.map(\.action) == [.load, .handOver])
        #expect(plan.checks.first { $0.id == .networkMounts }?.status == .fail)
    }

    @Test func anotherRootIsNotProbedAndAReadOnlyNetworkMountIsLeftAlone() {
        var snapshot = P.snapshot()
        snapshot.root = RootDirectory("/mnt/other")
        snapshot.mounts += [Self.nfs, MountEntry(id: 20, parentID: 1, source: "nas:/iso", target: "/mnt/iso", fstype: "nfs", vfsOptions: "ro")]
        let probes = SystemSnapshot.probeNetworkMounts(snapshot, probe: nil)
        #expect(probes == [NetworkMountProbe(path: "/mnt/nfs", server: "10.0.9.1", outcome: .notProbed, detail: "planning for /mnt/other")])
        snapshot.networkMountProbes = probes
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.checks.first { $0.id == .networkMounts }?.message == "/mnt/nfs (server 10.0.9.1): not probed (planning for /mnt/other)")
        #expect(plan.checks.first { $0.id == .networkMounts }?.status == .pass)
        #expect(!plan.steps.contains { Self.targets([$0][...]) == ["/mnt/iso"] })
    }

    @Test func aPlanWithoutNetworkMountsHasNoNetworkCheckAndTheSameOrderAsBefore() {
        let plan = RebootPlanner.plan(P.snapshot(), PlanOptions())
        #expect(!plan.checks.contains { $0.id == .networkMounts })
        #expect(plan.steps.firstIndex { $0.action == .isolate } == 1)
        #expect(plan.steps.allSatisfy { $0.networkUnmount == nil })
    }

    @Test(arguments: [
        ("10.0.9.1:/srv/nfs", "10.0.9.1"), ("nas.example.net:/export/home", "nas.example.net"),
        ("[fd00::1]:/srv", "fd00::1"), ("//fileserver/share", "fileserver"), ("//10.1.1.1/c$", "10.1.1.1"),
        ("alice@build:/home/alice", "build"), ("mon1,mon2,mon3:/", "mon1"), ("/dev/sdb1", "/dev/sdb1"),
    ])
    func theServerIsReadFromTheSource(_ source: String, _ server: String) {
        #expect(MountEntry(source: source, target: "/mnt", fstype: "nfs").networkServer == server)
    }

    @Test func netdevInFstabIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-netdev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        # <file system> <mount point> <type> <options> <dump> <pass>
        UUID=1234 / ext4 rw 0 1
        /dev/sdb1 /srv/iscsi ext4 defaults,_netdev 0 2
        10.0.9.1:/srv/nfs /mnt/nfs nfs4 _netdev,vers=4.2 0 0
        /dev/sdc1 /srv/local ext4 defaults,netdev_like 0 2
        /swap.img none swap sw 0 0
        """.write(to: dir.appendingPathComponent("etc/fstab"), atomically: true, encoding: .utf8)
        #expect(NetdevMountPoints.read(root: RootDirectory(dir.path)) == ["/srv/iscsi", "/mnt/nfs"])
    }
}
