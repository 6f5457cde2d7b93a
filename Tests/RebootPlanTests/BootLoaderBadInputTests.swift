@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// Broken, missing and hostile boot loader files: never a crash, one-line problems naming the file.
@Suite struct BootLoaderBadInputTests {
    @Test func emptyGrubCfgHasNothingToBoot() {
        let d = BootLoaderFixtures.read("bad-grub-empty")
        #expect(d.kind == .grub)
        #expect(d.configFile == "/boot/grub/grub.cfg")
        #expect(d.entries.isEmpty)
        #expect(d.defaultIndex == nil)
        #expect(d.problems == ["/boot/grub/grub.cfg: empty; GRUB has no menu entries"])
    }

    @Test func binaryGrubCfgHasNothingToBoot() {
        let d = BootLoaderFixtures.read("bad-grub-binary")
        #expect(d.kind == .grub)
        #expect(d.entries.isEmpty)
        #expect(d.defaultIndex == nil)
        #expect(d.problems == ["/boot/grub/grub.cfg: binary data, not a GRUB script; GRUB cannot show a menu"])
    }

    @Test func grubCfgWithoutMenuEntriesIsAProblem() {
        let t = BootLoaderFixtures.ScratchTree()
        t.write("/boot/grub2/grub.cfg", "set timeout=5\ninsmod part_gpt\n")
        let d = t.readBootLoader()
        #expect(d.configFile == "/boot/grub2/grub.cfg")
        #expect(d.defaultIndex == nil)
        #expect(d.problems == ["/boot/grub2/grub.cfg: no menu entries"])
    }

    @Test func unreadableGrubCfgIsAProblem() {
        let t = BootLoaderFixtures.ScratchTree()
        t.write("/boot/grub/grub.cfg/not-a-file", "x")   // grub.cfg is a directory: exists, cannot be read
        let d = t.readBootLoader()
        #expect(d.entries.isEmpty)
        #expect(d.problems == ["/boot/grub/grub.cfg: is a directory, not a regular file"])
    }

    @Test func grubenvWithoutSignatureIsIgnoredWithAProblem() {
        let t = BootLoaderFixtures.ScratchTree()
        t.write("/boot/grub/grub.cfg", "set default=\"${saved_entry}\"\nmenuentry 'A' { linux /a }\nmenuentry 'B' { linux /b }\n")
        t.write("/boot/grub/grubenv", "saved_entry=B\n")
        let d = t.readBootLoader()
        #expect(d.defaultEntry?.title == "A")
        #expect(d.problems == ["/boot/grub/grubenv: not a GRUB environment block (no '# GRUB Environment Block' header); ignored"])
    }

    @Test func suseSymlinksAloneMakeOneSymlinkEntry() throws {
        let t = BootLoaderFixtures.ScratchTree()
        t.write("/boot/vmlinuz-6.6.3-1-default", "kernel")
        t.write("/boot/initrd-6.6.3-1-default", "initrd")
        t.link("/boot/vmlinuz", to: "vmlinuz-6.6.3-1-default")
        t.link("/boot/initrd", to: "initrd-6.6.3-1-default")
        let d = t.readBootLoader()
        #expect(d.kind == .symlink)
        #expect(d.configFile == "/boot/vmlinuz")
        #expect(d.defaultIndex == 0)
        let e = try #require(d.defaultEntry)
        #expect(e.source == .symlink)
        #expect(e.kernel == "/boot/vmlinuz-6.6.3-1-default")
        #expect(e.initrds == ["/boot/initrd-6.6.3-1-default"])
        #expect(e.options == nil)
        #expect(d.defaultRule == "symlink /boot/vmlinuz → /boot/vmlinuz-6.6.3-1-default (no grub.cfg and no BLS entries)")
    }

    @Test func debianRootSymlinksWithAbsoluteTargetsResolveInsideTheRoot() throws {
        let t = BootLoaderFixtures.ScratchTree()
        t.write("/boot/vmlinuz-6.1.0-28-amd64", "kernel")
        t.write("/boot/initrd.img-6.1.0-28-amd64", "initrd")
        t.link("/vmlinuz", to: "/boot/vmlinuz-6.1.0-28-amd64")
        t.link("/initrd.img", to: "/boot/initrd.img-6.1.0-28-amd64")
        let e = try #require(t.readBootLoader().defaultEntry)
        #expect(e.file == "/vmlinuz")
        #expect(e.kernel == "/boot/vmlinuz-6.1.0-28-amd64")
        #expect(e.initrds == ["/boot/initrd.img-6.1.0-28-amd64"])
    }

    @Test func danglingSymlinkIsAProblemNotAnEntry() {
        let t = BootLoaderFixtures.ScratchTree()
        t.link("/boot/vmlinuz", to: "vmlinuz-6.6.0-removed")
        let d = t.readBootLoader()
        #expect(d.entries.isEmpty)
        #expect(d.kind == nil)
        #expect(d.problems == ["/boot/vmlinuz: symlink to missing /boot/vmlinuz-6.6.0-removed"])
    }

    @Test func emptyRootHasNoBootLoader() {
        let d = BootLoaderFixtures.ScratchTree().readBootLoader()
        #expect(d.kind == nil)
        #expect(d.entries.isEmpty)
        #expect(d.defaultIndex == nil)
        #expect(d.defaultRule == "no boot loader configuration found (no grub.cfg, no loader/entries, no /boot/vmlinuz)")
    }

    /// A small deterministic generator so failures can be reproduced.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(state: 42)
        for _ in 0..<30 {
            let t = BootLoaderFixtures.ScratchTree()
            t.write("/boot/grub/grub.cfg", bytes: (0..<2048).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let d = t.readBootLoader()
            #expect(d.entries.isEmpty)
            #expect(d.problems.allSatisfy { $0.hasPrefix("/boot/grub/grub.cfg") && !$0.contains("\n") })
        }
    }

    @Test func tokenSoupNeverCrashesOrHangs() {
        let pieces = ["menuentry", "submenu", "'t'", "\"q $x\"", "{", "}", "{", "}", "if", "then", "elif", "else", "fi",
                      "for", "do", "done", "function", "f", ";", "\n", "\\\n", "#c", "$", "${", "${v}", "'", "\"",
                      "linux", "/vmlinuz", "initrd", "/i", "set", "default=1>0", "--id", "x", "[", "]", "blscfg", ">", "\\"]
        var rng = SplitMix64(state: 7)
        for _ in 0..<200 {
            let text = (0..<300).map { _ in pieces.randomElement(using: &rng)! }.joined(separator: " ")
            let parsed = GrubConfigParser.parse(text, file: "/boot/grub/grub.cfg")
            let menu = GrubMenuBuilder.build(parsed.nodes, environment: [:])
            _ = menu.items.count
            #expect(parsed.problems.count <= 20)
        }
    }
}
