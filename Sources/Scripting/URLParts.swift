/// The parts of the target URL the `wrk` table holds, as wrk's URL parser splits them:
/// the port only when the URL names one, the path with its query (and "/" when empty).
struct URLParts: Equatable {
    var scheme: String?
    var host: String?
    var port: String?
    var path: String?

    init(_ url: String) {
        var rest = Substring(url)
        if let range = rest.range(of: "://") {
            scheme = String(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let target = rest[authorityEnd...]
        path = target.isEmpty ? "/" : (target.first == "/" ? String(target) : "/" + target)
        if authority.first == "[", let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.first == ":", after.count > 1 { port = String(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            let digits = authority[authority.index(after: colon)...]
            if !digits.isEmpty { port = String(digits) }
        } else {
            host = String(authority)
        }
    }
}
