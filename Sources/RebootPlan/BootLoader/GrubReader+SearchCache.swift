extension GrubReader {
    /// The answer to each distinct `search` (kind and value) found once: 10_linux repeats the same search in
    /// every entry, and each answer costs a readlink and a stat.
    final class SearchCache {
        private let finder: GrubDeviceFinder
        private var found: [String: String?] = [:]

        init(_ finder: GrubDeviceFinder) { self.finder = finder }

        /// The mount point holding the file system `search` names (`GrubDeviceFinder.mountPoint(for:)`).
        func mountPoint(for search: GrubSearch) -> String? {
            let key = search.kind.rawValue + " " + search.value
            if let known = found[key] { return known }
            let answer = finder.mountPoint(for: search)
            found[key] = .some(answer)
            return answer
        }
    }
}
