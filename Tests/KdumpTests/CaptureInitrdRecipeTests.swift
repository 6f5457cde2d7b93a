import Kdump
import LinuxSystem
import RebootPlan
import Testing

/// `CaptureInitrdRecipe`: when kreboot builds its own capture initrd (initramfs-tools with MODULES=most), the
/// configuration it builds from (the production one plus MODULES=dep), and when it keeps the production one.
@Suite struct CaptureInitrdRecipeTests {
    static let release = "6.12.117+deb12-amd64"
    static let production = "/boot/initrd.img-6.12.117+deb12-amd64"

    static func inputs(conf: String = "MODULES=most\nBUSYBOX=auto\nCOMPRESS=zstd\n",
                       confD: [(name: String, text: String)] = [("resume", "RESUME=none\n")],
                       modules: String? = "# list of modules\ndm_multipath\n", handlers: [String] = []) -> CaptureInitrdInputs {
        CaptureInitrdInputs(mkinitramfs: "/usr/sbin/mkinitramfs", initramfsConf: conf, confD: confD,
                            otherEntries: ["hooks", "modules", "scripts", "update-initramfs.conf"],
                            modulesFile: modules, deviceHandlers: handlers)
    }

    static func decide(_ inputs: CaptureInitrdInputs, initrds: [String] = [production], names: Bool = false,
                       existing: CaptureInitrd? = nil) -> CaptureInitrdRecipe.Decision {
        CaptureInitrdRecipe.decide(inputs: inputs, release: release, initrds: initrds, configNamesFiles: names, existing: existing)
    }

    @Test func modulesMostIsBuiltAgainWithModulesDepFromTheSameConfiguration() throws {
        guard case .build(let build) = Self.decide(Self.inputs(handlers: ["scsi_dh_alua", "scsi_dh_emc"])) else {
            Issue.record("MODULES=most did not build")
            return
        }
        #expect(build.output == "/var/lib/kreboot/capture-initrd/initrd.img-\(Self.release)")
        #expect(build.stampPath == build.output + ".stamp")
        #expect(build.source == Self.production)
        #expect(build.argv == ["/usr/sbin/mkinitramfs", "-d", "/var/lib/kreboot/capture-initrd/initramfs-tools",
                               "-o", build.output + ".new", Self.release])
        let links = Dictionary(uniqueKeysWithValues: build.links.map { ($0.name, $0.target) })
        #expect(links == ["initramfs.conf": "/etc/initramfs-tools/initramfs.conf",
                          "conf.d/resume": "/etc/initramfs-tools/conf.d/resume",
                          "hooks": "/etc/initramfs-tools/hooks", "scripts": "/etc/initramfs-tools/scripts",
                          "update-initramfs.conf": "/etc/initramfs-tools/update-initramfs.conf"])
        let files = Dictionary(uniqueKeysWithValues: build.files.map { ($0.name, $0.text) })
        #expect(files["conf.d/zzz-kreboot-capture"]?.hasSuffix("\nMODULES=dep\n") == true)
        #expect(files["modules"] == "# list of modules\ndm_multipath\nscsi_dh_alua\nscsi_dh_emc\n")
        // conf.d is sourced in name order: the override comes after every file of the system's.
        #expect(build.files[0].name.split(separator: "/").last! > "resume")
    }

    @Test func withoutAModulesListOrHandlersTheSystemsModulesFileIsLinked() throws {
        guard case .build(let build) = Self.decide(Self.inputs(modules: nil)) else {
            Issue.record("did not build")
            return
        }
        #expect(build.links.contains { $0.name == "modules" })
        #expect(!build.files.contains { $0.name == "modules" })
    }

    @Test func aConfDFileThatSetsModulesDepKeepsTheProductionInitrd() {
        let decision = Self.decide(Self.inputs(confD: [("kdump", "export MODULES=dep\n")]))
        #expect(decision == .keepProduction("the production initrd is already built with MODULES=dep"))
        #expect(Self.decide(Self.inputs(conf: "MODULES=netboot\n")) == .keepProduction("the production initrd is already built with MODULES=netboot"))
        guard case .build = Self.decide(Self.inputs(conf: "# MODULES unset\nBUSYBOX=auto\n")) else {
            Issue.record("the default (most) did not build")
            return
        }
    }

    @Test func noInitramfsToolsAConfiguredInitrdOrNoSingleInitrdKeepTheProductionOne() {
        let dracut = CaptureInitrdInputs(mkinitramfs: nil, initramfsConf: nil)
        guard case .keepProduction(let why) = Self.decide(dracut) else {
            Issue.record("built without mkinitramfs")
            return
        }
        #expect(why.contains("no initramfs-tools"))
        #expect(Self.decide(Self.inputs(), names: true) == .keepProduction("the kdump configuration names the capture kernel's files"))
        #expect(Self.decide(Self.inputs(), initrds: []) == .keepProduction("the capture kernel boots without an initrd"))
        #expect(Self.decide(Self.inputs(), initrds: ["/boot/ucode.img", Self.production]) == .keepProduction("the entry has several initrds"))
        #expect(CaptureInitrdRecipe.decide(inputs: Self.inputs(), release: nil, initrds: [Self.production],
                                           configNamesFiles: false, existing: nil)
                == .keepProduction("the running kernel's release is unknown"))
    }

    @Test func aFreshCaptureInitrdThePlannerChoseIsCurrentAndAStaleOneIsBuiltAgain() {
        let path = CaptureInitrd.path(release: Self.release)
        let stamp = CaptureInitrd.Stamp(release: Self.release, source: Self.production, sourceBytes: 35 << 20,
                                        sourceModifiedNanoseconds: 1, modules: "dep", builtAt: "2026-11-30T19:00:00Z")
        let fresh = CaptureInitrd(path: path, stamp: stamp, bytes: 11 << 20, staleReason: nil)
        #expect(Self.decide(Self.inputs(), initrds: [path], existing: fresh) == .current(fresh))
        let stale = CaptureInitrd(path: path, stamp: stamp, bytes: 11 << 20, staleReason: "changed")
        guard case .build = Self.decide(Self.inputs(), existing: stale) else {
            Issue.record("a stale capture initrd was not built again")
            return
        }
    }

    @Test func onlyTheNamesMkinitramfsSourcesAreConfFiles() {
        #expect(CaptureInitrdInputs.sourcesConfFile("resume"))
        #expect(CaptureInitrdInputs.sourcesConfFile("10-kdump.conf"))
        #expect(!CaptureInitrdInputs.sourcesConfFile("resume.dpkg-old"))
        #expect(!CaptureInitrdInputs.sourcesConfFile(".hidden"))
        #expect(!CaptureInitrdInputs.sourcesConfFile("resume~"))
        #expect(!CaptureInitrdInputs.sourcesConfFile(""))
    }
}
