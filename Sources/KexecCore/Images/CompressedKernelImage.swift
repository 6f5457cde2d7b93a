import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// Kernel images kexec_file_load cannot take as they are: a gzip-compressed arm64 Image (Ubuntu's arm64
/// vmlinuz) and the gzip payload of an EFI zboot image. Inspected by inflating the stream (bounded, CRC checked).
enum CompressedKernelImage {
    /// The most an image may inflate to.
    static let inflateLimit: UInt64 = 256 << 20

    /// Where the gzip stream of `file` lies: the whole file, or a zboot image's payload; nil when neither.
    static func gzipRange(_ file: borrowing ImageFile, start: [UInt8]) -> (offset: UInt64, length: UInt64, zboot: Bool)? {
        if start.matches(GzipInflater.magic, at: 0) { return (0, file.size, false) }
        if PEImage.matches(start), start.matches(PEImage.zbootMagic, at: 4), start.cString(at: 24, maxLength: 32) == "gzip" {
            return (UInt64(start.le32(8)), UInt64(start.le32(12)), true)
        }
        return nil
    }

    /// Inflates the gzip stream of `file` at `range`: the arm64 Image header from its first bytes, the banner from
    /// a scan of the stream.
    static func inspect(_ file: borrowing ImageFile, range: (offset: UInt64, length: UInt64, zboot: Bool)) throws(SystemError) -> KernelImageInfo {
        let name = file.displayPath
        let inflater = try GzipInflater(displayPath: name)
        var head: [UInt8] = []
        var window: [UInt8] = []
        var first: LinuxVersionBanner?
        var best: LinuxVersionBanner?
        let size = try inflater.inflate(file, from: range.offset, length: range.length, limit: inflateLimit) { chunk throws(SystemError) in
            if head.count < 4096 { head += chunk.prefix(4096 - head.count) }
            guard best == nil else { return true }  // keep inflating: the CRC at the end proves the stream whole
            window += chunk
            var from = 0
            while let (banner, hit) = LinuxVersionBanner.find(in: window, from: from) {
                if banner.hasBuildNumber { best = banner; break }
                if first == nil { first = banner }
                from = hit + 1
            }
            window = Array(window.suffix(600))
            return true
        }
        guard Arm64ImageHeader.matches(head) else {
            let what = range.zboot ? "the EFI zboot payload" : "the gzip-compressed file"
            throw SystemError(.badData, path: name, "\(name): \(what) is not an arm64 Image")
        }
        let header = Arm64ImageHeader(head)
        let banner = best ?? first
        var details: [String: String] = [
            "compression": "gzip", "inflatedSize": String(size),
            "textOffset": "0x" + String(header.textOffset, radix: 16), "imageSize": String(header.imageSize),
            "endian": header.isBigEndian ? "big" : "little",
        ]
        details["pageSize"] = header.pageSize
        if range.zboot { details["zboot"] = "true" }
        return KernelImageInfo(format: .arm64Image, arch: header.isBigEndian ? "aarch64_be" : "aarch64",
                               release: banner?.release, version: banner?.version, details: details)
    }
}

/// Turns a compressed kernel image into the plain one kexec_file_load takes (as kexec-tools does for
/// `Image.gz` and EFI zboot images).
public enum KernelImageDecompressor {
    /// When the file at `hostPath` is a gzip-compressed kernel (a gzip'd file, or an EFI zboot image with a gzip
    /// payload), writes the inflated image to `fd` and returns its size; nil when the file is not compressed.
    public static func inflate(hostPath: String, displayPath: String? = nil, into fd: Int32) -> Result<UInt64, SystemError>? {
        do {
            let file = try ImageFile(hostPath: hostPath, displayPath: displayPath ?? hostPath)
            return inflate(file, into: fd)
        } catch {
            return .failure(error)
        }
    }

    /// `inflate(hostPath:into:)` for an image already open: reads only through `file`'s descriptor.
    public static func inflate(_ file: borrowing ImageFile, into fd: Int32) -> Result<UInt64, SystemError>? {
        let name = file.displayPath
        do {
            let start = try file.read(at: 0, count: 4096)
            guard let range = CompressedKernelImage.gzipRange(file, start: start) else { return nil }
            let inflater = try GzipInflater(displayPath: name)
            let size = try inflater.inflate(file, from: range.offset, length: range.length,
                                            limit: CompressedKernelImage.inflateLimit) { chunk throws(SystemError) in
                var written = 0
                while written < chunk.count {
                    let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, chunk.count - written) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        throw SystemError(.unavailable, path: name, "\(name): cannot write the inflated image: \(String(cString: strerror(errno)))")
                    }
                    written += n
                }
                return true
            }
            return .success(size)
        } catch {
            return .failure(error)
        }
    }
}
