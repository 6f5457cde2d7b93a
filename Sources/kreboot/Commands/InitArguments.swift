/// The arguments kreboot gets when the kernel starts it as init (the capture kernel's `init=… -- save-dump …`).
/// The kernel hands init every command-line parameter it did not recognise (`nokaslr`, `quiet` on some
/// kernels …) before the words after `--`, so `kreboot nokaslr save-dump --mount /dev/sdb1` must still
/// mean `kreboot save-dump --mount /dev/sdb1`.
enum InitArguments {
    /// As PID 1: everything before the first subcommand name is the kernel's, and dropped.
    /// Otherwise the arguments are returned unchanged.
    static func clean(_ arguments: [String], isPID1: Bool, subcommands: [String]) -> [String] {
        guard isPID1, let first = arguments.firstIndex(where: { subcommands.contains($0) }) else { return arguments }
        return Array(arguments[first...])
    }
}
