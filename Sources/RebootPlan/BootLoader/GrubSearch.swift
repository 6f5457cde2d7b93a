import LinuxSystem
/// One GRUB `search` command as grub.cfg writes it: `search --no-floppy --fs-uuid --set=root --hint-efi=… UUID`,
/// or the short forms `search.fs_uuid UUID VAR [HINT…]`, `search.fs_label`, `search.file`. The variable it sets
/// then names the file system GRUB found, and paths without a device are read from it.
struct GrubSearch: Sendable, Equatable {
    /// What is searched for.
    enum Kind: String, Sendable {
        case fsUUID = "--fs-uuid", label = "--label", file = "--file"
    }

    var kind: Kind
    /// The UUID, label or file name searched for.
    var value: String
    /// The variable set to the device found; nil when the command only prints it.
    var variable: String?

    /// The command names that search (GRUB's search module and its search_wrap forms).
    static let commands: Set<String> = ["search", "search.fs_uuid", "search.fs_label", "search.file"]

    /// The search `fields` (the command name first, already expanded) stand for; nil when they name nothing.
    static func parse(_ fields: [String]) -> GrubSearch? {
        guard let name = fields.first else { return nil }
        let arguments = Array(fields.dropFirst())
        switch name {
        case "search.fs_uuid", "search.fs_label", "search.file":
            guard let value = arguments.first else { return nil }
            let kind: Kind = name == "search.fs_uuid" ? .fsUUID : name == "search.fs_label" ? .label : .file
            return GrubSearch(kind: kind, value: value, variable: arguments.count > 1 ? arguments[1] : nil)
        case "search":
            var kind = Kind.file
            var variable: String? = nil
            var value: String? = nil
            var k = 0
            while k < arguments.count {
                let argument = arguments[k]
                switch argument {
                case "-u", "--fs-uuid": kind = .fsUUID
                case "-l", "--label": kind = .label
                case "-f", "--file": kind = .file
                case "-s", "--set": variable = "root"
                case "--hint", "--hint-bios", "--hint-efi", "--hint-baremetal", "--hint-ieee1275", "--hint-arc", "--hint-uboot":
                    k += 1  // takes the next word
                default:
                    if argument.hasPrefix("--set=") {
                        variable = String(argument.dropFirst("--set=".count))
                    } else if argument.hasPrefix("-") {
                        break  // --no-floppy, --efidisk-only, --hint-…=…
                    } else if value == nil {
                        value = argument
                    }
                }
                k += 1
            }
            guard let value else { return nil }
            return GrubSearch(kind: kind, value: value, variable: variable)
        default:
            return nil
        }
    }

    /// `--fs-uuid 3f7c…` for messages.
    var description: String { "\(kind.rawValue) \(value)" }
}
