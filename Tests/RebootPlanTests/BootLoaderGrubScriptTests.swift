@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// grub.cfg language details, each on a small generated tree.
@Suite struct BootLoaderGrubScriptTests {
    /// Reads a tree holding only `cfg` as /boot/grub/grub.cfg and a grubenv with `env`.
    func read(_ cfg: String, env: [String: String] = [:], mounts: [MountEntry] = []) -> BootLoaderDiscovery {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/grub/grub.cfg", cfg)
        if !env.isEmpty {
            var block = GrubEnvironment.signature + "\n" + env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
            block += String(repeating: "#", count: max(0, 1024 - block.utf8.count))
            tree.write("/boot/grub/grubenv", block)
        }
        return tree.readBootLoader(mounts: mounts)
    }

    static let nested = """
    menuentry 'Zero' --id zero { linux /vmlinuz-0 }
    submenu 'Sub One' --id sub-one {
        menuentry 'One Zero' --id one-zero { linux /vmlinuz-10 }
        submenu 'Deeper' --id deeper {
            menuentry 'Deep Zero' --id deep-zero { linux /vmlinuz-d0 }
            menuentry 'Deep One' --id deep-one { linux /vmlinuz-d1 }
        }
    }
    menuentry 'Two' { linux /vmlinuz-2 }
    """

    @Test(arguments: [
        ("0", "0"), ("2", "2"), ("Two", "2"), ("zero", "0"),
        ("1>1>1", "1>1>1"), ("sub-one>deeper>deep-one", "1>1>1"), ("Sub One>Deeper>Deep One", "1>1>1"),
        ("sub-one>Deeper>1", "1>1>1"), ("1>deeper>Deep Zero", "1>1>0"),
        ("sub-one", "1>0"), ("1>1", "1>1>0"),
    ])
    func defaultByIndexTitleIdAndMixedPaths(spec: String, expected: String) {
        let d = read("set default=\"\(spec)\"\n" + Self.nested)
        #expect(d.defaultEntry?.index == expected)
        #expect(d.defaultRule == "GRUB set default=\"\(spec)\" in /boot/grub/grub.cfg")
        #expect(d.problems.isEmpty)
    }

    @Test(arguments: [("7", "0"), ("Nope", "0"), ("sub-one>nope", "1>0"), ("1>1>9", "1>1>0")])
    func invalidDefaultFallsBackLikeGrub(spec: String, expected: String) {
        let d = read("set default=\"\(spec)\"\n" + Self.nested)
        #expect(d.defaultEntry?.index == expected)
        #expect(d.defaultRule.contains("names no menu entry"))
        #expect(d.problems.count == 1)
        #expect(d.problems.first?.hasPrefix("/boot/grub/grub.cfg: default \"\(spec)\"") == true)
    }

    @Test func noDefaultMeansEntryZero() {
        let d = read(Self.nested)
        #expect(d.defaultIndex == 0)
        #expect(d.defaultRule == "GRUB default entry 0 (/boot/grub/grub.cfg sets no default)")
    }

    @Test func savedEntryReferenceWithEmptyGrubenvBootsZero() {
        let d = read("set default=\"${saved_entry}\"\n" + Self.nested, env: ["other": "x"])
        #expect(d.defaultIndex == 0)
        #expect(d.defaultRule.contains("saved_entry is not set in /boot/grub/grubenv"))
    }

    @Test func nextEntryWinsOverSavedEntry() {
        let cfg = """
        if [ "${next_entry}" ] ; then
           set default="${next_entry}"
        else
           set default="${saved_entry}"
        fi
        """ + "\n" + Self.nested
        let d = read(cfg, env: ["next_entry": "Two", "saved_entry": "sub-one>deeper>deep-zero"])
        #expect(d.defaultEntry?.index == "2")
        let saved = read(cfg, env: ["next_entry": "", "saved_entry": "sub-one>deeper>deep-zero"])
        #expect(saved.defaultEntry?.index == "1>1>0")
    }

    @Test func defaultsInBranchesThatAreNotTakenDoNotCount() {
        // Fedora's 08_fallback_counting sets default=1 only while a boot counter runs down.
        let cfg = """
        set default="2"
        if [ -n "${boot_counter}" -a "${boot_success}" = "0" ]; then
          set default=1
        fi
        """ + "\n" + Self.nested
        #expect(read(cfg).defaultEntry?.index == "2")
        #expect(read(cfg, env: ["boot_counter": "1", "boot_success": "0"]).defaultEntry?.index == "1>0")
    }

    @Test(arguments: [
        ("[ -z \"$a\" ]", true), ("[ -n \"$a\" ]", false), ("[ \"$b\" ]", true), ("[ x$b = xset ]", true),
        ("[ \"$b\" != set ]", false), ("[ ! -z \"$b\" ]", true), ("[ -n \"$b\" -a -z \"$a\" ]", true),
        ("[ -n \"$a\" -o \"$b\" = set ]", true), ("[ -f /x ]", nil), ("[ -f /x -a -n \"$a\" ]", false),
        ("loadfont unicode", nil), ("test -z \"$a\"", true),
    ] as [(String, Bool?)])
    func testExpressions(condition: String, expected: Bool?) {
        let words = GrubLexer.tokenize(condition).compactMap { token -> GrubWord? in
            if case .word(let word) = token { return word } else { return nil }
        }
        #expect(GrubTestExpression.evaluate(words, ["b": "set"]) == expected)
    }

    @Test func defaultPointingAtEntryWithoutKernelHasNoDefaultIndex() {
        let d = read("set default=uefi\nmenuentry 'Linux' { linux /vmlinuz }\nmenuentry 'UEFI Firmware Settings' --id uefi { fwsetup }\n")
        #expect(d.entries.count == 1)
        #expect(d.defaultIndex == nil)
        #expect(d.problems == ["/boot/grub/grub.cfg: the default entry \"UEFI Firmware Settings\" (1) loads no Linux kernel"])
    }

    @Test func quotingEscapesAndVariables() throws {
        let cfg = #"""
        set kernelopts="root=/dev/vda2 ro"
        set empty=
        menuentry "Say \"hi\" for \$5" --class os --id 'quoted-id' {
            linux /vmlinuz-q $kernelopts ${empty} 'single $kernelopts' "double ${kernelopts}" back\ slash a\
        b
            initrd /a.img /b.img
        }
        """#
        let d = read(cfg)
        let e = try #require(d.entries.first)
        #expect(e.title == "Say \"hi\" for $5")
        #expect(e.id == "quoted-id")
        #expect(e.kernel == "/vmlinuz-q")
        #expect(e.options == "root=/dev/vda2 ro single $kernelopts double root=/dev/vda2 ro back slash ab")
        #expect(e.initrds == ["/a.img", "/b.img"])
    }

    @Test func bracesOnNextLineOneLineEntriesAndComments() {
        let cfg = """
        # menuentry 'commented out' { linux /nope }
        menuentry 'Next line'
        {
            linux /vmlinuz-a root=/dev/sda1 # trailing comment
        }
        menuentry 'One line' { linux /vmlinuz-b quiet; initrd /initrd-b; }
        menuentry 'Semicolons' --id semi { insmod gzio; linuxefi /vmlinuz-c; initrdefi /initrd-c }
        """
        let d = read(cfg)
        #expect(d.entries.map(\.title) == ["Next line", "One line", "Semicolons"])
        #expect(d.entries.map(\.kernel) == ["/vmlinuz-a", "/vmlinuz-b", "/vmlinuz-c"])
        #expect(d.entries[0].options == "root=/dev/sda1")
        #expect(d.entries[1].initrds == ["/initrd-b"])
        #expect(d.entries[2].initrds == ["/initrd-c"])
        #expect(d.entries[2].extra["linux-command"] == "linuxefi")
        #expect(d.problems.isEmpty)
    }

    @Test func menuEntriesInsideIfBlocksCountWhateverTheCondition() {
        let cfg = """
        if [ "$grub_platform" = "efi" ]; then
          menuentry 'In then' { linux /vmlinuz-then }
        elif [ x$foo = xbar ]; then menuentry 'In elif' { linux /vmlinuz-elif }
        else
          menuentry 'In else' { linux /vmlinuz-else }
        fi
        for x in a b; do menuentry 'In loop' { linux /vmlinuz-loop }; done
        """
        let d = read(cfg)
        #expect(d.entries.map(\.title) == ["In then", "In elif", "In else", "In loop"])
        #expect(d.entries.map(\.index) == ["0", "1", "2", "3"])
    }

    @Test func grubenvVariablesAndFallbackIdiom() {
        let cfg = """
        if [ -z "${kernelopts}" ]; then
          set kernelopts="root=/dev/fallback ro"
        fi
        menuentry 'K' { linux /vmlinuz $kernelopts extra }
        """
        #expect(read(cfg, env: ["kernelopts": "root=/dev/from-env rw"]).entries.first?.options == "root=/dev/from-env rw extra")
        #expect(read(cfg).entries.first?.options == "root=/dev/fallback ro extra")
    }

    @Test func idOptionVariableWorksWithoutFeatureVariablesSet() {
        let cfg = """
        if [ x"${feature_menuentry_id}" = xy ]; then
          menuentry_id_option="--id"
        else
          menuentry_id_option=""
        fi
        export menuentry_id_option
        menuentry 'Titled' $menuentry_id_option 'the-id' { linux /vmlinuz }
        """
        #expect(read(cfg).entries.first?.id == "the-id")
    }

    @Test func functionsCalledFromEntriesSetVariables() throws {
        // Ubuntu's grub.cfg: `gfxmode $linux_gfx_mode` in each entry sets vt_handoff when the mode is "keep".
        let ubuntu = try #require(BootLoaderFixtures.root("ubuntu2204").readText("/boot/grub/grub.cfg"))
        let d = read(ubuntu, env: ["saved_entry": "0"])
        #expect(d.defaultEntry?.options == "root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro quiet splash vt.handoff=7")
        let failed = read(ubuntu, env: ["recordfail": "1"])
        #expect(failed.defaultEntry?.options == "root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro quiet splash")
        let positional = read("function pick { set chosen_opts=\"$1 $2\" }\nmenuentry 'P' { pick one two; linux /v $chosen_opts }\n")
        #expect(positional.entries.first?.options == "one two")
    }

    /// A function that reads no argument (10_linux's `load_video`) runs without `$1` … being set, and what it
    /// sets still reaches the entry; `$1` in an entry that calls it stays the entry's own.
    @Test func aFunctionWithoutArgumentsIsCalledWithoutSettingThem() {
        let d = read("function opts { set extra=quiet }\nmenuentry 'A' { opts ignored words; linux /v ro $extra $1 }\n")
        #expect(d.entries.first?.options == "ro quiet")
        #expect(!GrubMenuBuilder.usesArguments(GrubConfigParser.parse("set extra=quiet\nif [ x$extra = x ]; then true; fi", file: "f").nodes))
        for body in ["set a=$1", "set n=$#", "if [ -n \"$2\" ]; then set b=c; fi", "for x in a; do set y=$@; done"] {
            #expect(GrubMenuBuilder.usesArguments(GrubConfigParser.parse(body, file: "f").nodes), "\(body)")
        }
    }

    @Test func unbalancedBracesAreProblemsNotCrashes() {
        let open = read("menuentry 'Open' {\n  linux /vmlinuz-open\n")
        #expect(open.entries.map(\.kernel) == ["/vmlinuz-open"])
        #expect(open.problems == ["/boot/grub/grub.cfg: unbalanced braces: menuentry 'Open' is not closed"])

        let extra = read("menuentry 'A' { linux /vmlinuz-a }\n}\n}\nmenuentry 'B' { linux /vmlinuz-b }\n")
        #expect(extra.entries.map(\.title) == ["A", "B"])
        #expect(extra.problems.count == 2)
        #expect(extra.problems.allSatisfy { $0.hasPrefix("/boot/grub/grub.cfg: unbalanced braces") })

        let noFi = read("if [ a ]; then\nmenuentry 'X' { linux /x }\n")
        #expect(noFi.entries.count == 1)
        #expect(noFi.problems == ["/boot/grub/grub.cfg: 'if' without 'fi'"])
    }

    @Test func deepNestingIsCutOffNotOverflowingTheStack() {
        let d = read(String(repeating: "{ if a; then ", count: 20_000) + "menuentry 'deep' { linux /x }")
        #expect(d.entries.isEmpty)
        #expect(d.problems.contains { $0.contains("nesting deeper than") })
        #expect(d.defaultIndex == nil)
    }

    @Test func twoHundredEntriesParse() {
        var cfg = "set default=\"gen-199\"\n"
        for n in 0..<200 {
            cfg += """
            menuentry 'Generated \(n)' --class gnu-linux --id 'gen-\(n)' {
                load_video
                insmod gzio
                if [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
                search --no-floppy --fs-uuid --set=root 1234-abcd
                linux /vmlinuz-6.1.0-\(n) root=UUID=1234 ro quiet
                initrd /initrd.img-6.1.0-\(n)
            }

            """
        }
        let d = read(cfg)
        #expect(d.entries.count == 200)
        #expect(d.defaultIndex == 199)
        #expect(d.defaultEntry?.kernel == "/vmlinuz-6.1.0-199")
    }

    @Test func btrfsSubvolumePrefixIsDropped() {
        let mounts = BootLoaderFixtures.mounts([], rootFSRoot: "/@")
        let d = read("menuentry 'U' { linux /@/boot/vmlinuz-6.5 root=/dev/sda2 rootflags=subvol=@\n initrd /@/boot/initrd.img-6.5 }", mounts: mounts)
        #expect(d.entries.first?.kernel == "/boot/vmlinuz-6.5")
        #expect(d.entries.first?.initrds == ["/boot/initrd.img-6.5"])
    }

    @Test func deviceSyntaxIsDropped() {
        #expect(BootPathResolver.dropDevice("($root)/vmlinuz") == "/vmlinuz")
        #expect(BootPathResolver.dropDevice("(hd0,gpt2)/boot/vmlinuz-6.1") == "/boot/vmlinuz-6.1")
        #expect(BootPathResolver.dropDevice("vmlinuz") == "/vmlinuz")
    }
}
