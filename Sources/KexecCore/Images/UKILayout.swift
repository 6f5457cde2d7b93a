import LinuxSystem
/// Where the parts of a unified kernel image (UKI) lie in its file: the kernel (`.linux`), the initrd
/// (`.initrd`) and the embedded command line (`.cmdline`). kexec_file_load takes neither a UKI nor a PE
/// file as such, so the loader passes these parts separately, as kexec-tools does.
public struct UKILayout: Sendable, Equatable {
    /// A byte range of the file.
    public struct Piece: Sendable, Equatable {
        public var offset: UInt64
        public var size: UInt64
        /// `size` bytes from `offset`.
        public init(offset: UInt64, size: UInt64) {
            self.offset = offset
            self.size = size
        }
    }

    public var linux: Piece
    public var initrd: Piece?
    /// The `.cmdline` section's text, trimmed; nil when there is none.
    public var commandLine: String?
    /// The `.osrel` section's os-release fields (`ID`, `PRETTY_NAME`, `VERSION_ID` …); empty without one.
    public var osRelease: [String: String] = [:]
    /// The `.uname` section (the kernel release), when present.
    public var release: String?

    /// A layout with these parts.
    public init(linux: Piece, initrd: Piece? = nil, commandLine: String? = nil) {
        self.linux = linux
        self.initrd = initrd
        self.commandLine = commandLine
    }

    /// The layout of the UKI at `hostPath`; nil when the file is not a UKI (no PE header or no `.linux` section).
    /// Fails when the file cannot be read or its PE header is damaged.
    public static func read(hostPath: String, displayPath: String? = nil) -> Result<UKILayout?, SystemError> {
        do {
            let file = try ImageFile(hostPath: hostPath, displayPath: displayPath ?? hostPath)
            return .success(try read(file))
        } catch {
            return .failure(error)
        }
    }

    /// The layout of the UKI at `targetPath` under `root`, opened through the gateway; nil when it is not a UKI.
    public static func read(root: RootDirectory, path targetPath: String) -> Result<UKILayout?, SystemError> {
        do {
            let file = try ImageFile(root: root, path: targetPath)
            return .success(try read(file))
        } catch {
            return .failure(error)
        }
    }

    /// The layout of the open `file`; nil when it is not a UKI.
    static func read(_ file: borrowing ImageFile) throws(SystemError) -> UKILayout? {
        let start = try file.read(at: 0, count: 4096)
        guard PEImage.matches(start), !BzImageHeader.matches(start), !Arm64ImageHeader.matches(start) else {
            return nil
        }
        let pe = try PEImage.parse(file, start: start)
        guard let linux = pe.section(".linux") else { return nil }
        func piece(_ s: PEImage.Section) -> Piece {
            Piece(offset: UInt64(s.fileOffset), size: UInt64(s.virtualSize == 0 ? s.fileSize : min(s.virtualSize, s.fileSize)))
        }
        func text(_ section: PEImage.Section) throws(SystemError) -> String {
            String(decoding: try PEImage.contents(of: section, in: file).prefix { $0 != 0 }, as: UTF8.self).trimmingWhitespace()
        }
        var layout = UKILayout(linux: piece(linux))
        if let initrd = pe.section(".initrd") { layout.initrd = piece(initrd) }
        if let cmdline = pe.section(".cmdline") {
            let line = try text(cmdline)
            layout.commandLine = line.isEmpty ? nil : line
        }
        if let osrel = pe.section(".osrel") { layout.osRelease = OSRelease.parse(try text(osrel)) }
        if let uname = pe.section(".uname") {
            let release = try text(uname)
            layout.release = release.isEmpty ? nil : release
        }
        return layout
    }
}
