import Testing
@testable import RebootPlan
@testable import LinuxSystem

/// The GRUB reader's limits grow with its input: a large legal grub.cfg is read whole, while what a short
/// text can make expensive (repeated calls, long expansions, endless words) stops at a named limit.
@Suite struct GrubInputLimitsTests {
    static let file = "/boot/grub/grub.cfg"

    static func build(_ text: String) -> GrubMenu {
        let bytes = Array(text.utf8)
        let parsed = GrubConfigParser.parse(bytes: bytes, file: file)
        return GrubMenuBuilder.build(parsed.nodes, environment: [:], inputBytes: bytes.count)
    }

    static func entries(_ items: [GrubMenu.Item]) -> [GrubMenuEntry] {
        items.flatMap { item -> [GrubMenuEntry] in
            switch item {
            case .entry(let entry): return [entry]
            case .submenu(_, _, let children): return entries(children)
            case .blscfg: return []
            }
        }
    }

    @Test func aLegalScriptOfMoreThanTheBaseStepsIsWalkedWhole() {
        // 2,000 entries of 110 statements each: 220,000 steps, more than the 200,000 a script of no size gets.
        let body = String(repeating: "  a=b\n", count: 109)
        var text = ""
        for n in 0..<2_000 { text += "menuentry 'Linux \(n)' {\n\(body)  linux /vmlinuz-\(n) ro\n}\n" }
        let menu = Self.build(text)
        let found = Self.entries(menu.items)
        #expect(found.count == 2_000)
        #expect(found.last?.linux == ["/vmlinuz-1999", "ro"])
        #expect(menu.problems.isEmpty)
    }

    @Test func aFunctionThatFansOutStopsAtTheStepLimitNamingTheFile() {
        let text = "function f {\n f\n f\n f\n f\n f\n f\n}\n"
            + String(repeating: "menuentry 'x' {\n f\n linux /vmlinuz\n}\n", count: 20)
        let menu = Self.build(text)
        #expect(menu.problems.contains { $0.hasPrefix("grub.cfg: walking it takes more than") })
        #expect(!Self.entries(menu.items).isEmpty)
    }

    @Test func longExpansionsStopAtTheExpansionLimit() {
        let long = String(repeating: "x", count: 60_000)
        let refs = String(repeating: "$a", count: 20)
        let text = "set a=\(long)\n" + String(repeating: "menuentry 'x' {\n linux /vmlinuz \(refs)\n}\n", count: 500)
        let menu = Self.build(text)
        #expect(menu.problems.contains { $0.contains("its variables expand to more than its size allows") })
        #expect(Self.entries(menu.items).count == 500)
    }

    @Test func wordsPastTheLimitAreIgnoredNamingTheFile() {
        let text = "set a=1\nset b=2\nset c=3\nmenuentry 'x' {\n linux /vmlinuz\n}\n"
        let parsed = GrubConfigParser.parse(bytes: Array(text.utf8), file: Self.file, wordLimit: 5)
        #expect(parsed.problems == ["\(Self.file): more than 5 words; the rest of the file is ignored"])
        #expect(parsed.nodes.count == 2)
    }

    @Test func commandsTheBuilderNeverReadsAreNotKeptButConditionsAre() {
        let text = """
        insmod gzio
        echo hello
        set timeout=5
        if [ x$feature_timeout_style = xy ]; then
          set timeout_style=menu
        fi
        menuentry 'x' {
          insmod ext2
          search --set=root abc
          load_video
          linux /vmlinuz ro
        }
        """
        let parsed = GrubConfigParser.parse(text, file: Self.file)
        #expect(parsed.nodes.count == 3)
        guard case .conditional(let branches) = parsed.nodes[1], case .menuEntry(_, let body) = parsed.nodes[2] else {
            Issue.record("unexpected nodes \(parsed.nodes)")
            return
        }
        #expect(branches.first?.condition?.count == 5)
        // insmod goes; search stays (its result is the device the entry's kernel is read from), load_video and linux stay.
        #expect(body.count == 3)
        let menu = GrubMenuBuilder.build(parsed.nodes, environment: [:])
        #expect(menu.variables["timeout_style"] == "menu")
    }
}
