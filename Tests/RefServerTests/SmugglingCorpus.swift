// The request-smuggling and malformed-request corpus (Tests/Corpus/smuggling.json) as
// values: the bytes to send and what both server models must answer.

import Foundation
import Testing

/// One corpus entry; see the file's "about" for the meaning of each field.
struct CorpusCase: Sendable, Decodable, CustomTestStringConvertible {
    struct Pad: Sendable, Decodable {
        var marker: String
        var text: String
        var count: Int
    }

    var name: String
    var raw: String
    var pad: Pad?
    var responses: [Int]
    var close: Bool
    var contains: String?
    var absent: String?
    var byteByByte: Bool?

    var testDescription: String { name }

    /// The bytes to send: one byte per character (code points up to U+00FF), the pad expanded.
    var bytes: [UInt8] {
        var text = raw
        if let pad, let range = text.range(of: pad.marker) {
            text.replaceSubrange(range, with: String(repeating: pad.text, count: pad.count))
        }
        return text.unicodeScalars.map { scalar in
            precondition(scalar.value <= 0xFF, "\(name): code point above U+00FF")
            return UInt8(scalar.value)
        }
    }

    /// Whether to send it also one byte at a time: small inputs, unless the entry says not to.
    var sendsByteByByte: Bool { (byteByByte ?? true) && bytes.count <= 1024 }
}

struct Corpus: Decodable {
    var cases: [CorpusCase]

    /// The corpus file next to the test sources (read at run time, not a bundle resource).
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Corpus/smuggling.json")

    /// Every case, or none if the file cannot be read (a test checks the count).
    static let cases: [CorpusCase] = {
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(Corpus.self, from: data).cases) ?? []
    }()
}
