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
