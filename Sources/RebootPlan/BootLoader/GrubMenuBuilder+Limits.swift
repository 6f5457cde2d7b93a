import KexecCore
import LinuxSystem
/// The menu builder's bounds: steps and expansion bytes that grow with the input read, each overrun reported once.
extension GrubMenuBuilder {
    /// Grants the steps and expansion bytes that `inputBytes` more bytes of script bring.
    mutating func allow(inputBytes: Int) {
        stepLimit += inputBytes
        expansionLeft += GrubMenuBuilder.expansionBytesPerInputByte * inputBytes
    }

    /// Counts one statement; false once the walk has taken all the steps its input allows (reported once).
    mutating func takeStep() -> Bool {
        steps += 1
        guard steps > stepLimit else { return true }
        reportLimit("walking it takes more than \(stepLimit) steps (a function or a sourced file repeated too often); the rest is ignored")
        return false
    }

    /// Whether `words` may be expanded within what is left of the expansion budget (and spends it);
    /// false, reported once, when they might expand to more.
    mutating func affordable<Words: Collection<GrubWord>>(_ words: Words, _ variables: [String: String]) -> Bool {
        let bound = words.expansionBound(variables)
        guard bound > expansionLeft else {
            expansionLeft -= bound
            return true
        }
        expansionLeft = 0
        reportLimit("its variables expand to more than its size allows (\(GrubMenuBuilder.baseExpansionBytes >> 20) MiB plus \(GrubMenuBuilder.expansionBytesPerInputByte) bytes per byte read); later words are not expanded")
        return false
    }

    mutating func reportLimit(_ message: String) {
        guard !reportedLimit else { return }
        reportedLimit = true
        menu.problems.append("\(currentFile ?? "grub.cfg"): \(message)")
    }
}
