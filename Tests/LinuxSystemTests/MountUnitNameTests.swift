import LinuxSystem
import Testing

/// `MountUnitName` against what `systemd-escape --path --suffix=mount` prints for the same paths.
@Suite struct MountUnitNameTests {
    @Test(arguments: [
        ("/", "-.mount"),
        ("/var/crash", "var-crash.mount"),
        ("/srv/my-dumps", "srv-my\\x2ddumps.mount"),
        ("/var//crash/", "var-crash.mount"),
        ("/.hidden/x", "\\x2ehidden-x.mount"),
        ("/mnt/a b", "mnt-a\\x20b.mount"),
        ("/var/lib/é", "var-lib-\\xc3\\xa9.mount"),
        ("/a:b_c.d", "a:b_c.d.mount"),
        ("/var/./crash/../dumps", "var-dumps.mount"),
    ])
    func escapesLikeSystemd(path: String, unit: String) {
        #expect(MountUnitName.forPath(path) == unit)
    }
}
