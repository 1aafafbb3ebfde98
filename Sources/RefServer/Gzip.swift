internal import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// /gzip's work: compress N KiB of fixed sample text with zlib's gzip format (level 6,
/// no file name, mtime 0), so the output is the same bytes every time and in both models.
enum Gzip {
    static let maxKilobytes = 4096

    /// The sample: numbered lines of text, compressible like a typical JSON or HTML page.
    static let sample: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(maxKilobytes * 1024)
        var line = 0
        while bytes.count < maxKilobytes * 1024 {
            bytes.append(contentsOf: Array("{\"line\":\(line),\"message\":\"Hello, World!\",\"value\":\(line &* 7919 % 10007)}\n".utf8))
            line += 1
        }
        return Array(bytes.prefix(maxKilobytes * 1024))
    }()

    /// Compresses the first `kilobytes` KiB of the sample.
    static func compressSample(kilobytes: Int) -> [UInt8] {
        sample.withUnsafeBytes { compress(UnsafeRawBufferPointer(rebasing: $0[0..<(kilobytes * 1024)])) }
    }

    /// gzip-compresses `input` in one call.
    static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out -> Int in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
            return out.count - Int(stream.avail_out)
        }
        output.removeSubrange(written...)
        return output
    }
}
