extension GrubReader {
    /// Values most entries of one grub.cfg have alike (the file, `--class` options), kept once and shared by
    /// every entry that has them, so 100,000 entries do not hold 100,000 copies (nor make one each to compare).
    final class SharedValues {
        var file: String?
        var extra: [String: String] = [:]
        /// The file of the entries grub.cfg itself defines (not a sourced file).
        let configFile: String
        /// The `--class` options and linux command `extra` was last made from.
        private var extraFrom: (classes: [String], command: String?) = ([], nil)

        init(configFile: String) { self.configFile = configFile }

        /// The `extra` of an entry with these `--class` options and linux command: the one kept before when
        /// they are the same as last time.
        func extra(classes: [String], command: String?) -> [String: String] {
            if classes == extraFrom.classes && command == extraFrom.command { return extra }
            var made: [String: String] = [:]
            if !classes.isEmpty { made["class"] = classes.joined(separator: " ") }
            if let command, command != "linux" { made["linux-command"] = command }
            extraFrom = (classes, command)
            return extra(made)
        }

        /// The kernel arguments joined last and the text made of them.
        private var options: (arguments: [String], text: String?) = ([], nil)
        /// The place paths were last resolved in.
        private var place: BootPathResolver.GrubPlace? = nil

        /// The kernel command line of `arguments` (joined by spaces, nil when there are none): the text kept
        /// before when they are the same as last time.
        func options(_ arguments: ArraySlice<String>) -> String? {
            if arguments.elementsEqual(options.arguments) { return options.text }
            let text = arguments.joined(separator: " ")
            options = (Array(arguments), text.isEmpty ? nil : text)
            return options.text
        }

        /// The place GRUB reads paths from with `rootDevice` as its `root`: the one found before when it is the same.
        func place(rootDevice: String?, directory: String, resolver: BootPathResolver) -> BootPathResolver.GrubPlace {
            if let place, place.rootDevice == rootDevice, place.directory == directory { return place }
            let found = resolver.grubPlace(rootDevice: rootDevice, directory: directory)
            place = found
            return found
        }

        /// `value`, or the equal one kept before.
        func file(_ value: String) -> String {
            if let file, file == value { return file }
            file = value
            return value
        }

        /// `value`, or the equal dictionary kept before.
        func extra(_ value: [String: String]) -> [String: String] {
            if value == extra { return extra }
            extra = value
            return value
        }
    }
}
