internal import CLinuxSyscalls

/// Makes a crash loud: a Swift trap (SIGILL/SIGTRAP), a bad access (SIGSEGV/SIGBUS) or SIGFPE prints
/// "kreboot: internal error (signal N)" on stderr before the process dies of that signal.
public enum CrashReporter {
    /// Installs the handlers; call once, first thing in `main`.
    public static func install() {
        _ = ck_install_crash_handler()
    }
}
