/// An update: a replacement document, or the operators `$set`, `$inc` and `$unset` on
/// top-level fields.
enum UpdateSpecification {
    case replacement(BSONDocument)
    case operators([(op: String, fields: BSONDocument)])

    init(_ document: BSONDocument) throws(CommandError) {
        guard let first = document.keys.first, first.hasPrefix("$") else {
            if document.keys.contains(where: { $0.hasPrefix("$") }) {
                throw .failedToParse("cannot mix update operators and plain fields")
            }
            self = .replacement(document)
            return
        }
        var operators: [(String, BSONDocument)] = []
        for (op, argument) in document.elements {
            guard ["$set", "$inc", "$unset"].contains(op) else {
                throw .failedToParse("Unknown modifier: \(op). Expected a valid update modifier or pipeline-style update specified as an array")
            }
            guard let fields = argument.documentValue else {
                throw .failedToParse("Modifiers operate on fields but we found type \(argument.typeByte) instead")
            }
            for (field, value) in fields.elements {
                if field == "_id" { throw CommandError(66, "ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'") }
                if field.contains(".") || field.hasPrefix("$") { throw .badValue("only top-level field names are supported by volley mongod ('\(field)')") }
                if op == "$inc", value.numberValue == nil { throw .typeMismatch("Cannot increment with non-numeric argument: {\(field): ...}") }
            }
            operators.append((op, fields))
        }
        self = .operators(operators.map { (op: $0.0, fields: $0.1) })
    }

    /// The document after the update (its `_id` unchanged).
    func apply(to document: BSONDocument) throws(CommandError) -> BSONDocument {
        switch self {
        case .replacement(let replacement):
            var out = BSONDocument()
            if let id = document["_id"] { out.append("_id", id) }
            for element in replacement.elements where element.key != "_id" { out.append(element.key, element.value) }
            if let newID = replacement["_id"], let id = document["_id"], !BSONOrder.equal(newID, id) {
                throw CommandError(66, "ImmutableField", "After applying the update, the (immutable) field '_id' was found to have been altered")
            }
            return out
        case .operators(let operators):
            var out = document
            for (op, fields) in operators {
                for (field, value) in fields.elements {
                    switch op {
                    case "$set": out[field] = value
                    case "$unset": out[field] = nil
                    default:
                        guard let current = out[field] else { out[field] = value; continue }
                        guard let sum = Self.add(current, value) else {
                            throw .typeMismatch("Cannot apply $inc to a value of non-numeric type. {_id: ...} has the field '\(field)' of non-numeric type")
                        }
                        out[field] = sum
                    }
                }
            }
            return out
        }
    }

    /// mongod's numeric promotion: int32+int32 stays int32 unless it overflows, any
    /// double makes a double, otherwise int64.
    static func add(_ a: BSONValue, _ b: BSONValue) -> BSONValue? {
        switch (a, b) {
        case (.double, _), (_, .double):
            guard let x = a.numberValue, let y = b.numberValue else { return nil }
            return .double(x + y)
        case (.int32(let x), .int32(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .int64(Int64(x) + Int64(y)) : .int32(sum)
        default:
            guard let x = a.integerValue, let y = b.integerValue else { return nil }
            return .int64(x &+ y)
        }
    }

    /// The document an upsert inserts: the filter's plain equality fields, then the update.
    func upsertDocument(filter: BSONDocument) throws(CommandError) -> BSONDocument {
        switch self {
        case .replacement(let replacement):
            var out = BSONDocument()
            if let id = replacement["_id"] ?? filter["_id"].flatMap({ Matcher.isOperatorDocument($0) ? nil : $0 }) {
                out.append("_id", id)
            }
            for element in replacement.elements where element.key != "_id" { out.append(element.key, element.value) }
            return out
        case .operators:
            var seed = BSONDocument()
            for (key, value) in filter.elements where !key.hasPrefix("$") && !key.contains(".") && !Matcher.isOperatorDocument(value) {
                seed.append(key, value)
            }
            return try apply(to: seed)
        }
    }
}
