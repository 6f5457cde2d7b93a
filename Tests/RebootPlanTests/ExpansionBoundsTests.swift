import Testing
@testable import RebootPlan
@testable import LinuxSystem

/// Variables doubled in a loop stop growing; a grub.cfg that sources itself is a reported loop, read once.
@Suite struct ExpansionBoundsTests {
    static let doubling = "set a=x\n" + String(repeating: "set a=\"$a$a\"\n", count: 40)

    @Test func grubDoublingIsCapped() {
        let parsed = GrubConfigParser.parse(Self.doubling + "menuentry \"$a\" {\n linux /vmlinuz\n}\n", file: "/boot/grub/grub.cfg")
        let menu = GrubMenuBuilder.build(parsed.nodes, environment: [:])
        #expect((menu.variables["a"]?.utf8.count ?? 0) <= GrubMenuBuilder.maximumValueBytes)
        #expect(menu.problems.contains { $0.contains("$a would be longer than 64 KiB") })
    }

    @Test func kdumpConfigDoublingIsCapped() {
        let text = "A=x\n" + String(repeating: "A=\"$A$A\"\n", count: 40)
        let values = ShellAssignments(parsing: text).values
        #expect((values["A"]?.utf8.count ?? 0) <= 64 << 10)
    }

    @Test func grubCfgSourcingItselfIsALoop() {
        let t = HostileTreeFixture()
        defer { t.remove() }
        let body = String(repeating: "# padding line\n", count: 1000)
        t.file("boot/grub/grub.cfg", "source /boot/grub/grub.cfg\nsource /boot/grub/again.cfg\n" + body
               + "menuentry 'Linux' {\n linux /vmlinuz\n}\n")
        t.symlink("boot/grub/again.cfg", to: "grub.cfg")
        let root = RootDirectory(t.path)
        let result = GrubReader.read(root: root, configFile: "/boot/grub/grub.cfg", resolver: BootPathResolver(root: root, mounts: []))
        #expect(result.problems.contains { $0.contains("a source loop") })
        #expect(result.entries.count >= 1)
    }
}
