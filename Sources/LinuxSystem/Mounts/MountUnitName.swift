/// The name systemd gives the mount unit of a mount point (`systemd-escape --path --suffix=mount`):
/// `/` is `-.mount`, `/var/crash` is `var-crash.mount`, `/srv/my-dumps` is `srv-my\x2ddumps.mount`.
///
/// The path is normalized first (duplicate and trailing slashes, `.` and `..`), then every `/` between
/// components becomes `-`, and every byte outside `[A-Za-z0-9:_.]`, and a leading `.`, is written `\xNN`
/// (systemd's `unit_name_path_escape`).
public enum MountUnitName {
    /// The mount unit's name for `path` (absolute).
    public static func forPath(_ path: String) -> String {
        let normalized = RootDirectory.normalize(path)
        if normalized == "/" { return "-.mount" }
        var escaped = ""
        for (index, byte) in normalized.dropFirst().utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "/"):
                escaped.append("-")
            case UInt8(ascii: "."):
                escaped += index == 0 ? "\\x2e" : "."
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "_"):
                escaped.append(Character(Unicode.Scalar(byte)))
            default:
                escaped += "\\x" + hex(byte)
            }
        }
        return escaped + ".mount"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
