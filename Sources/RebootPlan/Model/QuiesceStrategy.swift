/// Who quiesces the system after the kernel is loaded.
public enum QuiesceStrategy: String, Codable, Sendable, CaseIterable {
    /// kreboot's own steps: isolate rescue.target, swaps off, journal moved, unmounts, `/` read-only, sync, exec.
    case kreboot
    /// `--via systemd`: after the load, start kexec.target as `systemctl kexec` does; systemd's shutdown quiesces.
    case systemd
}
