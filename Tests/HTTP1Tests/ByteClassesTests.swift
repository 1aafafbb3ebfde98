@testable import HTTP1
import Testing

/// The tchar bit masks agree with RFC 9110's spelled-out tchar set for all 256 bytes.
@Test func tcharMasksMatchRFC() {
    let tchars = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
    for b in 0...255 {
        #expect(isTokenChar(UInt8(b)) == tchars.contains(UInt8(b)), "byte \(b)")
    }
}

/// Field bytes are VCHAR, obs-text, SP and HTAB; digits and hex digits decode in any case.
@Test func otherByteClasses() {
    for b in 0...255 {
        let byte = UInt8(b)
        #expect(isFieldByte(byte) == (b == 9 || (b >= 0x20 && b != 0x7F)), "byte \(b)")
        #expect(decimalValue(byte) == Int(String(UnicodeScalar(byte)), radix: 10), "byte \(b)")
        #expect(hexValue(byte) == Int(String(UnicodeScalar(byte)), radix: 16), "byte \(b)")
        #expect(asciiLower(byte) == (b >= 65 && b <= 90 ? byte + 32 : byte), "byte \(b)")
    }
}

/// Word matching is case-insensitive, exact in length, and survives the other candidates.
@Test func wordMatching() {
    func match(_ text: String, _ candidates: UInt16) -> Word? {
        var m = WordMatch(candidates)
        for b in text.utf8 { m.feed(b) }
        return m.matched
    }
    let names = Word.contentLength.bit | Word.transferEncoding.bit | Word.connection.bit
    #expect(match("Content-Length", names) == .contentLength)
    #expect(match("CONNECTION", names) == .connection)
    #expect(match("transfer-encoding", names) == .transferEncoding)
    #expect(match("Content-Lengths", names) == nil)
    #expect(match("Content-Lengt", names) == nil)
    #expect(match("Conn", names) == nil)
    #expect(match("Content-Length", Word.connection.bit) == nil)
}

/// The word-at-a-time case-insensitive compare agrees with a byte-by-byte one, for every length class and every position of a difference.
@Test func foldedCompare() {
    for word in ["host", "expect", "chunked", "keep-al", "keep-alv", "connection", "content-length", "transfer-encoding"] {
        let lower = Array(word.utf8)
        let text: StaticString = switch word {
        case "host": "host"
        case "expect": "expect"
        case "chunked": "chunked"
        case "keep-al": "keep-al"
        case "keep-alv": "keep-alv"
        case "connection": "connection"
        case "content-length": "content-length"
        default: "transfer-encoding"
        }
        func check(_ candidate: [UInt8], _ expected: Bool) {
            let padded = [UInt8(ascii: "x")] + candidate + [UInt8(ascii: "y")]   // the range sits inside a larger buffer
            let result = padded.withUnsafeBytes { foldedEquals($0, 1..<(1 + candidate.count), text) }
            #expect(result == expected, "\(String(decoding: candidate, as: UTF8.self)) vs \(word)")
        }
        check(lower, true)
        check(Array(word.uppercased().utf8), true)
        check(lower.dropLast() + [], false)
        check(lower + [UInt8(ascii: "s")], false)
        for k in lower.indices {
            var changed = lower
            changed[k] = changed[k] == UInt8(ascii: "-") ? UInt8(ascii: "_") : changed[k] ^ 0x01
            check(changed, false)
        }
    }
}
