@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct KernelImageInspectorTests {
    private func inspect(_ bytes: [UInt8], name: String = "vmlinuz") throws -> Result<KernelImageInfo, SystemError> {
        let path = try TestImages.write(bytes, name: name)
        defer { TestImages.remove(path) }
        return KernelImageInspector.inspect(hostPath: path, displayPath: "/boot/\(name)")
    }

    private func failure(_ bytes: [UInt8]) throws -> SystemError? {
        if case .failure(let error) = try inspect(bytes) { return error }
        return nil
    }

    @Test func bzImage64() throws {
        let info = try inspect(TestImages.bzImage()).get()
        #expect(info.format == .bzImage)
        #expect(info.arch == "x86_64")
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.version == TestImages.x86Banner)
        #expect(info.details["bootProtocol"] == "2.15")
        #expect(info.details["relocatable"] == "true")
        #expect(info.details["entry64"] == "true")
        #expect(info.details["efiStub"] == "true")
    }

    @Test func bzImage32WithoutVersion() throws {
        let info = try inspect(TestImages.bzImage(version: nil, xloadflags: 0, relocatable: false, efiStub: false)).get()
        #expect(info.arch == "i386")
        #expect(info.release == nil)
        #expect(info.details["relocatable"] == "false")
        #expect(info.details["entry64"] == "false")
    }

    @Test func truncatedBzImageNamesTheFile() throws {
        let image = TestImages.bzImage()
        let error = try #require(try failure(Array(image.prefix(image.count - 100))))
        #expect(error.code == .badData)
        #expect(error.path == "/boot/vmlinuz")
        #expect(error.message.hasPrefix("/boot/vmlinuz: truncated"))
        let headerOnly = try #require(try failure(Array(image.prefix(0x220))))
        #expect(headerOnly.message.contains("truncated"))
    }

    @Test(arguments: [(UInt16(62), "x86_64"), (UInt16(183), "aarch64")])
    func elfVmlinux(machine: UInt16, arch: String) throws {
        let info = try inspect(TestImages.elf(machine: machine, release: "6.1.0-28-\(arch)"), name: "vmlinux").get()
        #expect(info.format == .elf)
        #expect(info.arch == arch)
        #expect(info.release == "6.1.0-28-\(arch)")
        #expect(info.details["class"] == "ELF64")
    }

    @Test func elfObjectIsNotAKernel() throws {
        let error = try #require(try failure(TestImages.elf(machine: 62, type: 1)))
        #expect(error.message.contains("relocatable object"))
    }

    @Test func truncatedElf() throws {
        let image = TestImages.elf(machine: 62)
        let error = try #require(try failure(Array(image.prefix(image.count - 70))))
        #expect(error.message.hasPrefix("/boot/vmlinuz: "))
        #expect(error.message.contains("truncated") || error.message.contains("ELF"))
    }

    @Test func arm64Image() throws {
        let info = try inspect(TestImages.arm64Image()).get()
        #expect(info.format == .arm64Image)
        #expect(info.arch == "aarch64")
        #expect(info.release == "6.1.0-28-arm64")
        #expect(info.details["pageSize"] == "4K")
        #expect(info.details["efiStub"] == "false")
    }

    @Test func arm64BannerAcrossTheScanChunkBoundary() throws {
        let info = try inspect(TestImages.arm64Image(size: 3 << 20, bannerOffset: (1 << 20) - 20)).get()
        #expect(info.release == "6.1.0-28-arm64")
        #expect(info.version?.hasSuffix("#1 SMP Debian") == true)
    }

    @Test func ukiWithUname() throws {
        let info = try inspect(TestImages.uki(), name: "linux.efi").get()
        #expect(info.format == .uki)
        #expect(info.arch == "x86_64")
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.details["osRelease"] == "Debian GNU/Linux 12 (bookworm)")
        #expect(info.details["cmdline"] == "root=UUID=1234 ro quiet")
        #expect(info.details["sections"] == ".osrel,.cmdline,.uname,.initrd,.linux")
        #expect(info.details["linux"] == "bzImage")
        #expect(info.details["signed"] == "false")
    }

    @Test func signedUki() throws {
        let info = try inspect(TestImages.uki(signed: true), name: "linux.efi").get()
        #expect(info.details["signed"] == "true")
    }

    @Test func ukiReleaseFromEmbeddedKernel() throws {
        let info = try inspect(TestImages.uki(uname: nil), name: "linux.efi").get()
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.version == TestImages.x86Banner)
    }

    @Test func truncatedUki() throws {
        let image = TestImages.uki()
        let error = try #require(try failure(Array(image.prefix(image.count - 1000))))
        #expect(error.message.contains("truncated: PE section .linux"))
    }

    @Test func peWithoutLinuxSectionIsRefused() throws {
        let error = try #require(try failure(TestImages.pe(machine: 0x8664, sections: [(".text", [1, 2, 3])])))
        #expect(error.message.contains("without a .linux section"))
    }

    @Test func zbootIsRecognised() throws {
        let info = try inspect(TestImages.zboot()).get()
        #expect(info.format == .arm64Image)
        #expect(info.arch == "aarch64")
        #expect(info.details["zboot"] == "true")
        #expect(info.details["compression"] == "zstd")
        #expect(info.release == nil)
    }

    @Test func gzippedArm64Image() throws {
        let image = TestImages.arm64Image(size: 200_000, bannerOffset: 150_000)
        let info = try inspect(TestImages.gzip(image)).get()
        #expect(info.format == .arm64Image)
        #expect(info.arch == "aarch64")
        #expect(info.release == "6.1.0-28-arm64")
        #expect(info.details["compression"] == "gzip")
        #expect(info.details["inflatedSize"] == "200000")
    }

    @Test func zbootWithGzipPayload() throws {
        let info = try inspect(TestImages.zboot(payload: TestImages.gzip(TestImages.arm64Image()))).get()
        #expect(info.format == .arm64Image)
        #expect(info.release == "6.1.0-28-arm64")
        #expect(info.details["zboot"] == "true")
    }

    @Test func truncatedOrCorruptGzip() throws {
        let gz = TestImages.gzip(TestImages.arm64Image(size: 200_000, bannerOffset: 150_000))
        let truncated = try #require(try failure(Array(gz.prefix(100_000))))
        #expect(truncated.message.hasPrefix("/boot/vmlinuz: truncated: the gzip stream ends early"))
        var corrupt = gz
        corrupt[50_000] ^= 0xFF
        let bad = try #require(try failure(corrupt))
        #expect(bad.message.hasPrefix("/boot/vmlinuz: corrupt gzip data"))
        let notArm = try #require(try failure(TestImages.gzip(Array("hello, world".utf8))))
        #expect(notArm.message == "/boot/vmlinuz: the gzip-compressed file is not an arm64 Image")
    }

    @Test func decompressorWritesThePlainImage() throws {
        let image = TestImages.arm64Image(size: 100_000)
        let path = try TestImages.write(TestImages.gzip(image))
        defer { TestImages.remove(path) }
        let out = path + ".raw"
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        let result = try #require(KernelImageDecompressor.inflate(hostPath: path, into: fd))
        close(fd)
        #expect(try result.get() == 100_000)
        #expect(FileManager.default.contents(atPath: out).map(Array.init) == image)
        let plain = try TestImages.write(image)
        defer { TestImages.remove(plain) }
        #expect(KernelImageDecompressor.inflate(hostPath: plain, into: -1) == nil)
    }

    @Test func emptyFile() throws {
        let error = try #require(try failure([]))
        #expect(error.message == "/boot/vmlinuz: empty file")
        #expect(error.code == .badData)
    }

    @Test func garbage() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        let error = try #require(try failure(bytes))
        #expect(error.message.hasPrefix("/boot/vmlinuz: not a kernel image"))
        let tiny = try #require(try failure([1, 2, 3]))
        #expect(tiny.message.contains("/boot/vmlinuz"))
    }

    @Test func compressedFileIsNamed() throws {
        let error = try #require(try failure([0x28, 0xB5, 0x2F, 0xFD] + [UInt8](repeating: 0, count: 100)))
        #expect(error.message == "/boot/vmlinuz: zstd-compressed file: decompress it to a kernel image first")
    }

    @Test func missingFile() {
        let result = KernelImageInspector.inspect(hostPath: "/nonexistent/kreboot/vmlinuz")
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.message.hasPrefix("/nonexistent/kreboot/vmlinuz: cannot open"))
    }
}

/// Real kernels, when `KREBOOT_REAL_KERNELS` names a directory of `vmlinuz-<release>` files
/// (e.g. unpacked Debian linux-image packages): the release read from each image matches its file name.
private let realKernelDirectory: String? = getenv("KREBOOT_REAL_KERNELS").map { String(cString: $0) }

@Suite(.enabled(if: realKernelDirectory != nil))
struct KernelImageInspectorRealKernelTests {
    static var directory: String? { realKernelDirectory }

    @Test func releaseMatchesFileName() throws {
        let dir = RootDirectory(try #require(Self.directory))
        let kernels = dir.listDirectory("/").filter { $0.hasPrefix("vmlinuz-") }
        try #require(!kernels.isEmpty)
        for name in kernels {
            let info = try KernelImageInspector.inspect(hostPath: dir.hostPath("/" + name)).get()
            print("\(name): \(info.format.rawValue) \(info.arch) \(info.release ?? "-")")
            #expect(info.release == String(name.dropFirst("vmlinuz-".count)))
        }
    }
}

/// A bzImage's Authenticode signature (its PE certificate table): present, or cut off.
@Suite struct BzImageSignatureTests {
    /// A bzImage with a PE header in its setup sectors and, when `certificate` is not empty, a certificate table
    /// appended at the end, as sbsign writes it.
    static func signedBzImage(certificate: Int) -> [UInt8] {
        var b = TestImages.Bytes(count: 0)
        b.data = TestImages.bzImage()
        let pe = 0x80
        b.u32(UInt32(pe), at: 0x3C)
        b.put([0x50, 0x45, 0, 0], at: pe)
        b.u16(0x8664, at: pe + 4)
        b.u16(1, at: pe + 6)
        b.u16(0xF0, at: pe + 20)
        b.u16(0x20B, at: pe + 24)
        b.u32(16, at: pe + 24 + 108)
        b.put(Array(".text".utf8), at: pe + 24 + 0xF0)
        if certificate > 0 {
            b.u32(UInt32(b.data.count), at: pe + 24 + 112 + 32)
            b.u32(UInt32(certificate), at: pe + 24 + 112 + 36)
            b.data += [UInt8](repeating: 0x30, count: certificate)
        }
        return b.data
    }

    func inspect(_ bytes: [UInt8]) throws -> KernelImageInfo {
        let path = try TestImages.write(bytes, name: "vmlinuz")
        defer { TestImages.remove(path) }
        return try KernelImageInspector.inspect(hostPath: path, displayPath: "/boot/vmlinuz").get()
    }

    @Test func aSignedBzImageSaysSoWithTheSize() throws {
        let info = try inspect(Self.signedBzImage(certificate: 1856))
        #expect(info.details["signed"] == "true")
        #expect(info.details["signatureBytes"] == "1856")
        #expect(KexecRules.signatureState(info).signed == true)
    }

    @Test func aBzImageCutInsideItsSignatureIsNotSigned() throws {
        let whole = Self.signedBzImage(certificate: 1856)
        let info = try inspect(Array(whole.dropLast(600)))
        #expect(info.details["signed"] == "false")
        #expect(KexecRules.signatureState(info).signed == false)
        #expect(try inspect(Self.signedBzImage(certificate: 0)).details["signed"] == "false")
    }
}
