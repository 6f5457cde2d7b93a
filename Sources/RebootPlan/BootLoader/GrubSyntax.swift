import KexecCore
import LinuxSystem
/// A node of grub.cfg's syntax tree. Only the structure that matters for the menu is kept:
/// commands, `menuentry`/`submenu` blocks, `if` branches, loops and function definitions.
/// Not `indirect`: the nested lists are arrays already, so a command costs no box of its own.
enum GrubNode: Equatable, Sendable {
    /// A simple command with its words (`set default="0"`, `linux /vmlinuz …`, `insmod gzio`).
    case command([GrubWord])
    /// `menuentry ARGS { BODY }`: `arguments` are the words after `menuentry`.
    case menuEntry(arguments: [GrubWord], body: [GrubNode])
    /// `submenu ARGS { BODY }`.
    case submenu(arguments: [GrubWord], body: [GrubNode])
    /// `if COND; then …; elif COND; then …; else …; fi`: `condition` nil for the `else` branch.
    case conditional([GrubBranch])
    /// The body of a `for`/`while`/`until` loop (read once, never iterated).
    case loop(body: [GrubNode])
    /// `function NAME { BODY }`: kept but not evaluated.
    case function(name: String, body: [GrubNode])
}

/// One branch of an `if`.
struct GrubBranch: Equatable, Sendable {
    var condition: [GrubWord]?
    var body: [GrubNode]
}
