import KexecCore
import LinuxSystem
/// Random access to the bytes of a dump: a plain file, or the sparse image a flattened stream describes.
/// Readers of dump headers go through it, so the same header parser serves both.
protocol DumpByteSource {
    /// Exactly `count` bytes at `offset`, or nil when the source does not hold them all.
    func read(offset: UInt64, count: Int) -> [UInt8]?
}
