import Glibc
import SystemPackage

/// One EFI variable's value as efivarfs shows it: the 4-byte attributes, then the data.
public struct EfiVariableValue: Sendable, Equatable {
    /// EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS, as
    /// systemd-boot and bootctl write the loader's variables.
    public static let defaultAttributes: UInt32 = 0x7

    public var attributes: UInt32
    public var data: [UInt8]

    public init(attributes: UInt32 = EfiVariableValue.defaultAttributes, data: [UInt8]) {
        self.attributes = attributes
        self.data = data
    }

    /// A string variable as systemd writes it: UTF-16LE with a terminating NUL.
    public init(string: String, attributes: UInt32 = EfiVariableValue.defaultAttributes) {
        self.attributes = attributes
        self.data = (Array(string.utf16) + [0]).flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    /// The data read as a UTF-16LE string up to its NUL; nil when it is empty.
    public var string: String? {
        var units: [UInt16] = []
        var k = 0
        while k + 1 < data.count {
            let unit = UInt16(data[k]) | UInt16(data[k + 1]) << 8
            if unit == 0 { break }
            units.append(unit)
            k += 2
        }
        return units.isEmpty ? nil : String(decoding: units, as: UTF16.self)
    }

    /// The file contents efivarfs reads and writes: attributes (little-endian) then data.
    public var fileBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: attributes >> (8 * $0)) } + data }

    /// Parses efivarfs file contents; nil when shorter than the attributes.
    public init?(fileBytes bytes: [UInt8]) {
        guard bytes.count >= 4 else { return nil }
        attributes = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        data = Array(bytes[4...])
    }
}

/// Reads, writes and deletes EFI variables: the real one is efivarfs (`EfiVarFS`); unit tests point it at a
/// temporary directory.
public protocol EfiVariables: Sendable {
    /// The variable `name` (`LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f`), nil when it does not exist.
    func read(_ name: String) throws(SystemError) -> EfiVariableValue?
    /// Creates or replaces `name` with `value`.
    func write(_ name: String, _ value: EfiVariableValue) throws(SystemError)
    /// Deletes `name`; nothing happens when it does not exist.
    func delete(_ name: String) throws(SystemError)
}

/// EFI variables through efivarfs (/sys/firmware/efi/efivars): each variable a file named `Name-GUID` holding
/// 4 attribute bytes and the data. efivarfs marks existing variables immutable (FS_IMMUTABLE_FL, so that `rm -rf`
/// cannot brick a machine); the flag is cleared with FS_IOC_SETFLAGS before a write or delete, as efivar(1)
/// and systemd do. A value is written with one write(2), which efivarfs requires.
public struct EfiVarFS: EfiVariables {
    /// The systemd-boot loader vendor GUID of LoaderEntryOneShot, LoaderEntryDefault, LoaderInfo ….
    public static let loaderGUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
    /// The EFI global variable GUID of SecureBoot, SetupMode, BootCurrent ….
    public static let globalGUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
    public static let defaultDirectory = "/sys/firmware/efi/efivars"
    /// EFIVARFS_MAGIC (<linux/magic.h>).
    static let efivarfsMagic: UInt64 = 0xde5e81e4

    public let directory: String

    /// efivarfs at `directory` (a test's temporary directory in unit tests).
    public init(directory: String = EfiVarFS.defaultDirectory) {
        self.directory = directory
    }

    /// `LoaderEntryOneShot-4a67b082-…`: a systemd-boot loader variable's file name.
    public static func loaderVariable(_ name: String) -> String { "\(name)-\(loaderGUID)" }

    public func read(_ name: String) throws(SystemError) -> EfiVariableValue? {
        let path = self.path(name)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        if fd < 0 {
            let errno = Errno(rawValue: Glibc.errno)
            if errno == .noSuchFileOrDirectory { return nil }
            throw SystemError(.failed, path: path, errno: errno, "\(path): cannot be opened: \(errno)")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 65536 + 4)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else {
            let errno = Errno(rawValue: Glibc.errno)
            throw SystemError(.failed, path: path, errno: errno, "\(path): cannot be read: \(errno)")
        }
        guard let value = EfiVariableValue(fileBytes: Array(bytes[0..<count])) else {
            throw SystemError(.badData, path: path, "\(path): \(count) bytes, shorter than the 4 attribute bytes")
        }
        return value
    }

    public func write(_ name: String, _ value: EfiVariableValue) throws(SystemError) {
        let path = self.path(name)
        try makeMutable(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw failure("cannot be opened for writing", path) }
        defer { close(fd) }
        let bytes = value.fileBytes
        // A regular file (a test's directory) keeps old bytes past a shorter value: cut it first. efivarfs replaces
        // the variable with the one write below and is not truncated.
        if case .success(let magic) = LinuxSyscalls.fileSystemMagic(fd), magic != EfiVarFS.efivarfsMagic { _ = ftruncate(fd, 0) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw failure("cannot be written", path) }
    }

    public func delete(_ name: String) throws(SystemError) {
        let path = self.path(name)
        try makeMutable(path)
        if unlink(path) != 0 && Glibc.errno != ENOENT { throw failure("cannot be deleted", path) }
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    /// Clears FS_IMMUTABLE_FL on `path` when it exists and has it; file systems without inode flags are left alone.
    private func makeMutable(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        if fd < 0 { return }
        defer { close(fd) }
        guard case .success(let flags) = LinuxSyscalls.inodeFlags(fd) else { return }
        let immutable = LinuxSyscalls.immutableFlag
        guard flags & immutable != 0 else { return }
        if case .failure(let errno) = LinuxSyscalls.setInodeFlags(fd, flags & ~immutable) {
            throw SystemError(.failed, path: path, errno: errno, "\(path): cannot clear the immutable flag (FS_IOC_SETFLAGS): \(errno)")
        }
    }

    private func failure(_ what: String, _ path: String) -> SystemError {
        let errno = Errno(rawValue: Glibc.errno)
        let code: SystemError.Code = errno == .permissionDenied || errno == .notPermitted ? .noPermission : .failed
        return SystemError(code, path: path, errno: errno, "\(path): \(what): \(errno)")
    }
}
