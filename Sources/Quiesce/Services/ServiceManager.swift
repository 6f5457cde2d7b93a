import LinuxSystem

/// Talks to the service manager (systemd) and its neighbours (logind, journald). The real
/// implementation is `SystemdServiceManager`; `RecordingServiceManager` stands in unit tests.
public protocol ServiceManager: Sendable {
    /// Starts `unit` in mode `isolate` (stops everything it does not pull in) and waits until the job is done.
    /// Throws when the job ends with any result other than `done`.
    func isolate(unit: String) throws(QuiesceError)
    /// Queues a start job for `unit` in `mode` (e.g. `kexec.target`, `replace-irreversibly`) and returns
    /// without waiting: used to hand over to systemd's own shutdown, after which this process is stopped.
    func enqueueStart(unit: String, mode: String) throws(QuiesceError)
    /// The unit the system boots into (`graphical.target`, `multi-user.target` …).
    func defaultTarget() throws(QuiesceError) -> String
    /// The logged-in sessions, from logind.
    func sessions() throws(QuiesceError) -> [LoginSession]
    /// The inhibitor locks taken, from logind.
    func inhibitors() throws(QuiesceError) -> [Inhibitor]
    /// Moves process `pid` into a new transient scope `name` (`….scope`) that survives isolates
    /// (`IgnoreOnIsolate=yes`), as `systemd-run --scope` does with itself, and waits until the scope runs.
    func moveIntoTransientScope(name: String, pid: Int32, properties: [UnitProperty]) throws(QuiesceError)
    /// Makes journald write what it was sent so far to /var, then stop writing there (it moves to /run), so
    /// the file system holding the journal can be unmounted or made read-only. The same as
    /// `journalctl --sync --relinquish-var`.
    func relinquishJournal() throws(QuiesceError)
    /// Makes journald write to /var again (`journalctl --flush`), after a rollback.
    func flushJournal() throws(QuiesceError)
}
