/// A command that failed the way mongod fails it: `{ok: 0, errmsg, code, codeName}`.
public struct CommandError: Error, Sendable, Equatable {
    public let code: Int32
    public let codeName: String
    public let message: String

    public init(_ code: Int32, _ codeName: String, _ message: String) {
        self.code = code
        self.codeName = codeName
        self.message = message
    }

    static func badValue(_ message: String) -> CommandError { CommandError(2, "BadValue", message) }
    static func failedToParse(_ message: String) -> CommandError { CommandError(9, "FailedToParse", message) }
    static func typeMismatch(_ message: String) -> CommandError { CommandError(14, "TypeMismatch", message) }

    /// The reply document.
    var reply: BSONDocument {
        ["ok": .double(0), "errmsg": .string(message), "code": .int32(code), "codeName": .string(codeName)]
    }
}

/// `_id` values normalised so that 1, 1.0 and 1L find the same document, as in mongod.
enum IDKey: Hashable {
    case integer(Int64)
    case double(UInt64)
    case string(String)
    case objectId(ObjectID)
    case other([UInt8])

    init(_ value: BSONValue) {
        if let integer = value.integerValue { self = .integer(integer); return }
        switch value {
        case .double(let d): self = .double(d.bitPattern)
        case .string(let s): self = .string(s)
        case .objectId(let id): self = .objectId(id)
        default: self = .other(BSONEncoder.encode(["": value]))
        }
    }
}

/// One collection: documents in insertion order plus a unique index on `_id`.
final class Collection {
    private(set) var documents: [BSONDocument] = []
    private var idIndex: [IDKey: Int] = [:]

    var count: Int { documents.count }

    /// The document whose `_id` equals `id`.
    func document(id: BSONValue) -> BSONDocument? {
        idIndex[IDKey(id)].map { documents[$0] }
    }

    /// Inserts `document`, which must carry an `_id`; false when that `_id` is taken.
    func insert(_ document: BSONDocument) -> Bool {
        guard let id = document["_id"] else { return false }
        let key = IDKey(id)
        guard idIndex[key] == nil else { return false }
        idIndex[key] = documents.count
        documents.append(document)
        return true
    }

    /// Replaces the document at `index`; the `_id` does not change.
    func replace(at index: Int, with document: BSONDocument) {
        documents[index] = document
    }

    /// Removes the documents at `indexes`.
    func remove(at indexes: [Int]) {
        guard !indexes.isEmpty else { return }
        let doomed = Set(indexes)
        documents = documents.enumerated().filter { !doomed.contains($0.offset) }.map(\.element)
        idIndex.removeAll(keepingCapacity: true)
        for (index, document) in documents.enumerated() {
            if let id = document["_id"] { idIndex[IDKey(id)] = index }
        }
    }

    /// Positions of the documents matching `filter`, in storage order; an `_id` equality
    /// uses the index instead of a scan.
    func matchingIndexes(_ filter: BSONDocument, limit: Int = Int.max) throws(CommandError) -> [Int] {
        if let id = filter["_id"], !Matcher.isOperatorDocument(id) {
            guard let index = idIndex[IDKey(id)] else { return [] }
            return try Matcher.matches(documents[index], filter) ? [index] : []
        }
        var result: [Int] = []
        for (index, document) in documents.enumerated() where result.count < limit {
            if try Matcher.matches(document, filter) { result.append(index) }
        }
        return result
    }
}

/// Every collection, by `db.collection`.
final class Store {
    private(set) var collections: [String: Collection] = [:]

    func collection(_ namespace: String) -> Collection? { collections[namespace] }

    /// The collection, created on first write as mongod does.
    func collectionForWrite(_ namespace: String) -> Collection {
        if let existing = collections[namespace] { return existing }
        let created = Collection()
        collections[namespace] = created
        return created
    }

    /// Drops a collection; false when it did not exist.
    func drop(_ namespace: String) -> Bool {
        collections.removeValue(forKey: namespace) != nil
    }

    /// Collection names of `database`, sorted.
    func collectionNames(in database: String) -> [String] {
        let prefix = database + "."
        return collections.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted()
    }
}

/// Makes ObjectIds the way drivers do: seconds, a per-process random value, a counter.
struct ObjectIDGenerator {
    private var counter: UInt32 = UInt32.random(in: 0..<0xFF_FFFF)
    private let process: [UInt8] = (0..<5).map { _ in UInt8.random(in: 0...255) }

    mutating func next(secondsSinceEpoch: UInt32) -> ObjectID {
        counter = (counter &+ 1) & 0xFF_FFFF
        let t = secondsSinceEpoch
        return ObjectID(bytes: [UInt8(t >> 24), UInt8(t >> 16 & 0xFF), UInt8(t >> 8 & 0xFF), UInt8(t & 0xFF)]
            + process + [UInt8(counter >> 16), UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)])
    }
}
