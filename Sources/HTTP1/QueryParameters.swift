// Integer query parameters read straight from the request bytes, for routes such as
// `/sleep?ms=10`: no decoding into Strings, no dictionary.

/// The integer value of the first `name=value` parameter in the query of `target` (the
/// bytes after its first `?`), or nil if the target has no query, the parameter is
/// absent, or its value is not an optional `-` and 1 to 18 decimal digits. Names are
/// compared exactly; pairs are separated by `&`; nothing is percent-decoded.
@inlinable
public func queryInteger(named name: StaticString, in target: UnsafeRawBufferPointer) -> Int? {
    var i = 0
    let n = target.count
    while i < n && target[i] != UInt8(ascii: "?") { i &+= 1 }
    if i == n { return nil }
    return queryInteger(named: name, inQuery: UnsafeRawBufferPointer(rebasing: target[(i &+ 1)...]))
}

/// Like `queryInteger(named:in:)` for the query alone (as `RequestHead.query` gives it).
@inlinable
public func queryInteger(named name: StaticString, inQuery query: UnsafeRawBufferPointer) -> Int? {
    let n = query.count
    let nameLength = name.utf8CodeUnitCount
    var pairStart = 0
    while pairStart <= n {
        var pairEnd = pairStart
        while pairEnd < n && query[pairEnd] != UInt8(ascii: "&") { pairEnd &+= 1 }
        let equals = pairStart &+ nameLength
        if equals < pairEnd && query[equals] == UInt8(ascii: "=")
            && bytesEqual(query, pairStart..<equals, name) {
            return parseInteger(query, (equals &+ 1)..<pairEnd)
        }
        pairStart = pairEnd &+ 1
    }
    return nil
}

/// `[-]1*18DIGIT` as an Int (18 digits cannot overflow), else nil.
@inlinable
func parseInteger(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
    var i = range.lowerBound
    let negative = i < range.upperBound && bytes[i] == UInt8(ascii: "-")
    if negative { i &+= 1 }
    let digits = range.upperBound &- i
    guard digits > 0 && digits <= 18 else { return nil }
    var value = 0
    while i < range.upperBound {
        guard let d = decimalValue(bytes[i]) else { return nil }
        value = value &* 10 &+ d
        i &+= 1
    }
    return negative ? -value : value
}

extension RequestHead {
    /// The integer query parameter `name` of this request (see `queryInteger(named:in:)`).
    @inlinable
    public func queryInteger(named name: StaticString, in buffer: UnsafeRawBufferPointer) -> Int? {
        guard let query else { return nil }
        return HTTP1.queryInteger(named: name, inQuery: UnsafeRawBufferPointer(rebasing: buffer[query]))
    }
}
