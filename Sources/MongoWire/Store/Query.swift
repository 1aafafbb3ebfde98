/// Query filters: equality on fields (dotted paths reach into sub-documents), the
/// comparison operators `$eq $ne $gt $gte $lt $lte $in $nin $exists`, and `$and`/`$or`.
enum Matcher {
    static func isOperatorDocument(_ value: BSONValue) -> Bool {
        value.documentValue?.keys.first?.hasPrefix("$") == true
    }

    static func matches(_ document: BSONDocument, _ filter: BSONDocument) throws(CommandError) -> Bool {
        for (key, condition) in filter.elements {
            switch key {
            case "$and", "$or":
                guard let clauses = condition.arrayValue, !clauses.isEmpty else {
                    throw .badValue("\(key) must be a nonempty array")
                }
                var any = false, all = true
                for clause in clauses {
                    guard let sub = clause.documentValue else { throw .badValue("\(key) argument's entries must be objects") }
                    let hit = try matches(document, sub)
                    any = any || hit
                    all = all && hit
                }
                if key == "$and" ? !all : !any { return false }
            case "$comment":
                continue
            default:
                if key.hasPrefix("$") { throw .badValue("unknown top level operator: \(key)") }
                if try !fieldMatches(lookup(document, key), condition) { return false }
            }
        }
        return true
    }

    /// The value at a dotted `path`, or nil when absent.
    static func lookup(_ document: BSONDocument, _ path: String) -> BSONValue? {
        guard path.contains(".") else { return document[path] }
        var current: BSONValue = .document(document)
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current.documentValue?[String(part)] else { return nil }
            current = next
        }
        return current
    }

    static func fieldMatches(_ value: BSONValue?, _ condition: BSONValue) throws(CommandError) -> Bool {
        guard let operators = condition.documentValue, isOperatorDocument(condition) else {
            return equals(value, condition)
        }
        for (op, argument) in operators.elements {
            let hit: Bool
            switch op {
            case "$eq": hit = equals(value, argument)
            case "$ne": hit = !equals(value, argument)
            case "$gt": hit = compares(value, argument) { $0 > 0 }
            case "$gte": hit = compares(value, argument) { $0 >= 0 }
            case "$lt": hit = compares(value, argument) { $0 < 0 }
            case "$lte": hit = compares(value, argument) { $0 <= 0 }
            case "$in", "$nin":
                guard let options = argument.arrayValue else { throw .badValue("\(op) needs an array") }
                let found = options.contains { equals(value, $0) }
                hit = op == "$in" ? found : !found
            case "$exists": hit = (value != nil) == argument.isTruthy
            default: throw .badValue("unknown operator: \(op)")
            }
            if !hit { return false }
        }
        return true
    }

    /// mongod's equality: numbers by value, a missing field equals null, an array field
    /// matches when any element (or the whole array) equals the value.
    static func equals(_ value: BSONValue?, _ target: BSONValue) -> Bool {
        guard let value else { return target == .null }
        if BSONOrder.rank(value) == BSONOrder.rank(target), BSONOrder.equal(value, target) { return true }
        if case .array(let elements) = value {
            return elements.contains { BSONOrder.rank($0) == BSONOrder.rank(target) && BSONOrder.equal($0, target) }
        }
        return false
    }

    static func compares(_ value: BSONValue?, _ target: BSONValue, _ accept: (Int) -> Bool) -> Bool {
        // Comparisons only match values of the same kind (type bracketing).
        guard let value, BSONOrder.rank(value) == BSONOrder.rank(target) else { return false }
        return accept(BSONOrder.compare(value, target))
    }
}

/// A parsed projection: include some fields, or exclude some; `_id` is in unless excluded.
struct Projection {
    let fields: [String: Bool]
    let inclusive: Bool
    let includeID: Bool

    init?(_ specification: BSONDocument?) throws(CommandError) {
        guard let specification, !specification.isEmpty else { return nil }
        var fields: [String: Bool] = [:]
        var includeID = true
        var inclusive: Bool?
        for (key, value) in specification.elements {
            guard value.numberValue != nil || value.typeByte == 0x08 else {
                throw .badValue("projection values other than 0/1/true/false are not supported (field '\(key)')")
            }
            let on = value.isTruthy
            if key == "_id" { includeID = on; continue }
            if let mode = inclusive, mode != on {
                throw CommandError(31254, "Location31254", "Cannot do exclusion on field \(key) in inclusion projection")
            }
            inclusive = on
            fields[key] = on
        }
        self.fields = fields
        self.inclusive = inclusive ?? false
        self.includeID = includeID
    }

    func apply(_ document: BSONDocument) -> BSONDocument {
        var out = BSONDocument()
        for element in document.elements {
            let keep: Bool
            if element.key == "_id" { keep = includeID }
            else if inclusive { keep = fields[element.key] == true }
            else { keep = fields[element.key] == nil }
            if keep { out.append(element.key, element.value) }
        }
        return out
    }
}

/// Sort keys: field paths with 1 (ascending) or -1 (descending).
struct SortSpecification {
    let keys: [(path: String, descending: Bool)]

    init?(_ specification: BSONDocument?) throws(CommandError) {
        guard let specification, !specification.isEmpty else { return nil }
        var keys: [(String, Bool)] = []
        for (key, value) in specification.elements {
            guard let direction = value.integerValue, direction == 1 || direction == -1 else {
                throw .badValue("bad sort specification: \(key) must be 1 or -1")
            }
            keys.append((key, direction == -1))
        }
        self.keys = keys.map { (path: $0.0, descending: $0.1) }
    }

    func sorted(_ documents: [BSONDocument]) -> [BSONDocument] {
        // A stable sort, so equal keys keep insertion order as a scan would return them.
        documents.enumerated().sorted { a, b in
            for key in keys {
                let c = BSONOrder.compare(Matcher.lookup(a.element, key.path) ?? .null, Matcher.lookup(b.element, key.path) ?? .null)
                if c != 0 { return key.descending ? c > 0 : c < 0 }
            }
            return a.offset < b.offset
        }.map(\.element)
    }
}
