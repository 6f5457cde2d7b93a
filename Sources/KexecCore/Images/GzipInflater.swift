import LinuxSystem
internal import CZlib

/// Inflates a gzip stream (RFC 1952, CRC checked) from a byte range of an image file, a chunk at a time,
/// through zlib. The z_stream lives as long as the value (`inflateEnd` in `deinit`).
struct GzipInflater: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>
    private let displayPath: String

    static let magic: [UInt8] = [0x1F, 0x8B]

    /// `inflateInit2` with gzip decoding (window bits 16 + 15).
    init(displayPath: String) throws(SystemError) {
        self.displayPath = displayPath
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw SystemError(.unavailable, path: displayPath, "\(displayPath): zlib inflateInit2 failed (\(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates `length` bytes of `file` from `offset`, handing each piece of output to `visit` (which returns
    /// false to stop early). Fails when the stream is corrupt, truncated, or inflates to more than `limit` bytes.
    /// Returns the number of bytes produced.
    @discardableResult
    func inflate(_ file: borrowing ImageFile, from offset: UInt64, length: UInt64, limit: UInt64,
                 visit: ([UInt8]) throws(SystemError) -> Bool) throws(SystemError) -> UInt64 {
        let name = displayPath
        var position = offset
        let end = min(file.size, offset + length)
        var produced: UInt64 = 0
        var output = [UInt8](repeating: 0, count: 1 << 20)
        while position < end {
            var input = try file.read(at: position, count: Int(min(1 << 20, end - position)))
            if input.isEmpty { break }
            position += UInt64(input.count)
            var finished = false
            var failure: SystemError?
            var rc: Int32 = Z_OK
            // The closure does not throw: Array's buffer methods only rethrow untyped errors before Swift 6.1.
            input.withUnsafeMutableBufferPointer { (inBuf: inout UnsafeMutableBufferPointer<UInt8>) in
                stream.pointee.next_in = inBuf.baseAddress
                stream.pointee.avail_in = UInt32(inBuf.count)
                repeat {
                    let made: Int = output.withUnsafeMutableBufferPointer { outBuf in
                        stream.pointee.next_out = outBuf.baseAddress
                        stream.pointee.avail_out = UInt32(outBuf.count)
                        rc = CZlib.inflate(stream, Z_NO_FLUSH)
                        return outBuf.count - Int(stream.pointee.avail_out)
                    }
                    guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                        let why = stream.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                        failure = SystemError(.badData, path: name, "\(name): corrupt gzip data: \(why)")
                        return
                    }
                    if made > 0 {
                        produced += UInt64(made)
                        guard produced <= limit else {
                            failure = SystemError(.badData, path: name, "\(name): gzip data inflates to more than \(limit >> 20) MiB")
                            return
                        }
                        do throws(SystemError) {
                            if try !visit(Array(output[0..<made])) { finished = true; return }
                        } catch {
                            failure = error
                            return
                        }
                    }
                    if rc == Z_STREAM_END { finished = true; return }
                } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
            }
            if let failure { throw failure }
            if finished { return produced }
        }
        throw SystemError(.badData, path: name, "\(name): truncated: the gzip stream ends early (\(produced) bytes inflated)")
    }
}
