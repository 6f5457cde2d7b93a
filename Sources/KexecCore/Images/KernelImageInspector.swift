import LinuxSystem
/// Recognises kernel images by their headers: x86 bzImage, ELF vmlinux, arm64 Image, PE (UKI, EFI zboot).
/// Reads only headers and, where a version string must be found, a bounded scan; never a whole large file at once.
public enum KernelImageInspector {
    /// Magic numbers of compressed files a kernel image may be wrapped in, other than gzip (which is inflated:
    /// Ubuntu's arm64 vmlinuz is a gzip'd Image).
    static let compressions: [(magic: [UInt8], name: String)] = [
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd"), ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz"),
        (Array("BZh".utf8), "bzip2"), ([0x02, 0x21, 0x4C, 0x18], "lz4"), ([0x89, 0x4C, 0x5A, 0x4F], "lzo"),
    ]

    /// Inspects the file at `hostPath` (a path on this machine); messages name `displayPath`
    /// (the path as the target system sees it), defaulting to `hostPath`.
    public static func inspect(hostPath: String, displayPath: String? = nil) -> Result<KernelImageInfo, SystemError> {
        let name = displayPath ?? hostPath
        do {
            let file = try ImageFile(hostPath: hostPath, displayPath: name)
            return .success(try inspect(file))
        } catch {
            return .failure(error)
        }
    }

    /// Inspects the open image `file` (only through its descriptor); messages name its display path.
    public static func inspect(_ file: borrowing ImageFile) throws(SystemError) -> KernelImageInfo {
        let name = file.displayPath
        guard file.size > 0 else { throw SystemError(.badData, path: name, "\(name): empty file") }
        let start = try file.read(at: 0, count: 4096)
        if let range = CompressedKernelImage.gzipRange(file, start: start) {
            return try CompressedKernelImage.inspect(file, range: range)
        }
        if BzImageHeader.matches(start) { return try BzImageHeader.inspect(file, start: start) }
        if ElfKernelImage.matches(start) { return try ElfKernelImage.inspect(file, start: start) }
        if Arm64ImageHeader.matches(start) { return try Arm64ImageHeader.inspect(file, start: start) }
        if PEImage.matches(start) { return try PEImage.inspect(file, start: start) }
        if let compression = compressions.first(where: { start.matches($0.magic, at: 0) }) {
            throw SystemError(.badData, path: name,
                                  "\(name): \(compression.name)-compressed file: decompress it to a kernel image first")
        }
        if start.count < 64 {
            throw SystemError(.badData, path: name, "\(name): truncated or not a kernel image (\(file.size) bytes, no known header)")
        }
        let head = start.prefix(8).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        throw SystemError(.badData, path: name,
                              "\(name): not a kernel image (no bzImage, ELF, arm64 Image or PE header; starts with \(head.joined(separator: " ")))")
    }
}
