@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

/// The plan JSON's step objects: every case survives a round trip, and the fields scripts read are where the
/// design's contract puts them.
@Suite struct PlanStepCodingTests {
    static let image = KexecImage(kernel: "/boot/vmlinuz-6.12.9-amd64", initrds: ["/boot/initrd.img-6.12.9-amd64", "/boot/ucode.img"],
                                  commandLine: "root=UUID=abc ro quiet")
    static let data = MountEntry(id: 31, parentID: 1, source: "/dev/vdb", target: "/srv/data", fstype: "ext4",
                                 vfsOptions: "rw,relatime", fsOptions: "rw,errors=remount-ro", fsRoot: "/", device: "254:16")
    static let every: [PlanStep] = [
        .load(image), .loadCrash(image), .clearGrubNextEntry(grubenv: "/boot/grub/grubenv"),
        .clearSystemdBootOneShot(variable: "LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f", entry: "debian.efi"),
        .isolate(unit: "rescue.target"),
        .swapOff(SwapArea(path: "/swap.img", kind: .file, sizeBytes: 2 << 30, usedBytes: 12 << 20)),
        .swapOff(SwapArea(path: "/dev/vda3", kind: .partition)),
        .moveJournal(journalDirectory: "/var/log/journal"), .unmount(data), .remountReadOnly(path: "/"), .sync, .exec, .panic,
        .handOver(unit: "kexec.target", mode: "replace-irreversibly"),
    ]

    static func object(_ step: PlanStep) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(step)) as? [String: Any])
    }

    @Test func everyActionIsCovered() {
        #expect(Set(Self.every.map(\.action)) == Set(PlanStep.Action.allCases))
    }

    @Test(arguments: every)
    func roundTrips(_ step: PlanStep) throws {
        let decoded = try JSONDecoder().decode(PlanStep.self, from: JSONEncoder().encode(step))
        #expect(decoded == step)
        #expect(try Self.object(step)["action"] as? String == step.action.rawValue)
    }

    @Test func unmountKeepsPathSourceAndType() throws {
        let object = try Self.object(.unmount(Self.data))
        #expect(object["path"] as? String == "/srv/data")
        #expect(object["source"] as? String == "/dev/vdb")
        #expect(object["fstype"] as? String == "ext4")
        // What a rollback mounts again with.
        #expect(object["vfsOptions"] as? String == "rw,relatime")
        #expect(object["fsOptions"] as? String == "rw,errors=remount-ro")
    }

    @Test func theDesignsUnmountObjectDecodes() throws {
        let json = #"{"action":"unmount","path":"/srv/data","source":"/dev/vdb","fstype":"ext4"}"#
        let step = try JSONDecoder().decode(PlanStep.self, from: Data(json.utf8))
        #expect(step == .unmount(MountEntry(source: "/dev/vdb", target: "/srv/data", fstype: "ext4")))
        #expect(step.summary == "unmount /srv/data (/dev/vdb, ext4)")
    }

    @Test func loadCarriesKernelInitrdsAndCommandLine() throws {
        for step in [PlanStep.load(Self.image), .loadCrash(Self.image)] {
            let object = try Self.object(step)
            #expect(object["kernel"] as? String == Self.image.kernel)
            #expect(object["initrds"] as? [String] == Self.image.initrds)
            #expect(object["commandLine"] as? String == Self.image.commandLine)
        }
        let bare = try JSONDecoder().decode(PlanStep.self, from: Data(#"{"action":"load","kernel":"/boot/vmlinuz"}"#.utf8))
        #expect(bare == .load(KexecImage(kernel: "/boot/vmlinuz", initrds: [], commandLine: "")))
    }

    @Test func handOverAndTheOtherFieldsAreNamedAsDocumented() throws {
        let handOver = try Self.object(.handOver(unit: "kexec.target", mode: "replace-irreversibly"))
        #expect(handOver["unit"] as? String == "kexec.target")
        #expect(handOver["mode"] as? String == "replace-irreversibly")
        #expect(try Self.object(.isolate(unit: "rescue.target"))["unit"] as? String == "rescue.target")
        #expect(try Self.object(.remountReadOnly(path: "/"))["path"] as? String == "/")
        #expect(try Self.object(.moveJournal(journalDirectory: "/var/log/journal"))["path"] as? String == "/var/log/journal")
        let swap = try Self.object(.swapOff(SwapArea(path: "/swap.img", kind: .file, sizeBytes: 4096, usedBytes: 0)))
        #expect(swap["path"] as? String == "/swap.img")
        #expect(swap["kind"] as? String == "file")
        #expect(try Self.object(.sync).keys.sorted() == ["action"])
    }

    @Test func anUnknownActionIsAnError() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PlanStep.self, from: Data(#"{"action":"reboot"}"#.utf8))
        }
    }
}
