import LinuxSystem
import Testing

/// "The path itself or below it": prefixes end at a slash, `/` holds every absolute path, and the deepest
/// mount (the one on top of equal targets) holds a path.
@Suite struct PathContainmentTests {
    @Test func aPrefixCountsOnlyAtASlash() {
        #expect(PathContainment.isPath("/run/user/0", atOrBelow: "/run"))
        #expect(PathContainment.isPath("/run", atOrBelow: "/run"))
        #expect(!PathContainment.isPath("/running", atOrBelow: "/run"))
        #expect(!PathContainment.isPath("/ru", atOrBelow: "/run"))
        #expect(PathContainment.isPath("/anything", atOrBelow: "/"))
        #expect(PathContainment.isPath("/", atOrBelow: "/"))
        #expect(!PathContainment.isPath("relative", atOrBelow: "/"))
    }

    @Test func bytesNotUnicodeEquivalence() {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are equal Strings but different paths.
        #expect(!PathContainment.isPath("/caf\u{E9}/x", atOrBelow: "/cafe\u{301}"))
        #expect(PathContainment.isPath("/caf\u{E9}/x", atOrBelow: "/caf\u{E9}"))
    }

    @Test func theDeepestMountHoldsAPathAndTheLaterOfEqualTargets() {
        let mounts = [
            MountEntry(source: "/dev/sda1", target: "/", fstype: "ext4"),
            MountEntry(source: "/dev/sda2", target: "/var", fstype: "xfs"),
            MountEntry(source: "/dev/sda3", target: "/var/log", fstype: "ext4"),
            MountEntry(source: "tmpfs", target: "/var/log", fstype: "tmpfs"),
        ]
        #expect(mounts.deepestMount(holding: "/var/log/journal")?.source == "tmpfs")
        #expect(mounts.deepestMount(holding: "/var/lib")?.source == "/dev/sda2")
        #expect(mounts.deepestMount(holding: "/variable")?.source == "/dev/sda1")
        #expect(Array(mounts.dropFirst()).deepestMount(holding: "/etc") == nil)
    }
}
