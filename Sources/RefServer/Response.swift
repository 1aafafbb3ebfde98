import HTTP1
import MongoBackend

/// The media types the routes answer with.
public enum ContentType: Sendable, Equatable {
    case text, json, gzip

    var header: StaticString {
        switch self {
        case .text: "Content-Type: text/plain\r\n"
        case .json: "Content-Type: application/json\r\n"
        case .gzip: "Content-Type: application/gzip\r\n"
        }
    }
}

/// A response body in a form that encodes without building Strings on the common routes.
public enum ResponseBody: Sendable, Equatable {
    case fixed(StaticString)
    /// `prefix`, the decimal `value`, `suffix`: e.g. `slept 10 ms`.
    case number(StaticString, Int, StaticString)
    /// `{"size":N,"crc32":"xxxxxxxx"}` for /upload.
    case upload(size: Int, crc32: UInt32)
    case bytes([UInt8])
    /// `{"id":N,"randomNumber":M}` for /db.
    case world(WorldRow)
    /// A JSON array of those for /queries and /multi.
    case worlds([WorldRow])
    /// For rare answers (errors, /debug/stats).
    case text(String)

    public static func == (a: ResponseBody, b: ResponseBody) -> Bool {
        switch (a, b) {
        case (.fixed(let x), .fixed(let y)): x.description == y.description
        case (.number(let p, let v, let s), .number(let q, let w, let t)):
            p.description == q.description && v == w && s.description == t.description
        case (.upload(let s, let c), .upload(let t, let d)): s == t && c == d
        case (.bytes(let x), .bytes(let y)): x == y
        case (.text(let x), .text(let y)): x == y
        case (.world(let x), .world(let y)): x == y
        case (.worlds(let x), .worlds(let y)): x == y
        default: false
        }
    }

    var count: Int {
        switch self {
        case .fixed(let s): s.utf8CodeUnitCount
        case .number(let p, let v, let s): p.utf8CodeUnitCount + decimalDigits(v) + s.utf8CodeUnitCount
        case .upload(let size, _): 28 + decimalDigits(size)
        case .bytes(let b): b.count
        case .text(let t): t.utf8.count
        case .world(let row): ResponseBody.jsonCount(row)
        case .worlds(let rows):
            rows.reduce(1 + max(1, rows.count)) { $0 + ResponseBody.jsonCount($1) }
        }
    }

    func write(to out: OutputBuffer) {
        switch self {
        case .fixed(let s): out.append(s)
        case .number(let p, let v, let s): out.append(p); out.appendDecimal(v); out.append(s)
        case .upload(let size, let crc):
            out.append("{\"size\":"); out.appendDecimal(size); out.append(",\"crc32\":\""); out.appendHex32(crc); out.append("\"}")
        case .bytes(let b): out.append(b)
        case .text(let t): out.append(t)
        case .world(let row): ResponseBody.writeJSON(row, to: out)
        case .worlds(let rows):
            out.append("[")
            for (k, row) in rows.enumerated() {
                if k > 0 { out.append(",") }
                ResponseBody.writeJSON(row, to: out)
            }
            out.append("]")
        }
    }

    /// `{"id":` + `,"randomNumber":` + `}` is 23 bytes.
    static func jsonCount(_ row: WorldRow) -> Int { 23 + decimalDigits(Int(row.id)) + decimalDigits(Int(row.randomNumber)) }

    static func writeJSON(_ row: WorldRow, to out: OutputBuffer) {
        out.append("{\"id\":"); out.appendDecimal(Int(row.id))
        out.append(",\"randomNumber\":"); out.appendDecimal(Int(row.randomNumber)); out.append("}")
    }
}

/// A complete answer to one request, before encoding.
public struct Response: Sendable, Equatable {
    public var status: Int
    public var contentType: ContentType
    public var body: ResponseBody
    /// The `Allow` header's value for a 405.
    public var allow: StaticString?

    public init(status: Int = 200, contentType: ContentType = .text, body: ResponseBody, allow: StaticString? = nil) {
        self.status = status; self.contentType = contentType; self.body = body; self.allow = allow
    }

    public static func == (a: Response, b: Response) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.allow?.description == b.allow?.description
    }

    /// An error answer whose body is `message` and a newline.
    public static func error(_ status: Int, _ message: String) -> Response {
        Response(status: status, body: .text(message + "\n"))
    }
}

/// Encodes responses the same way for both models, so their bytes are identical.
public enum ResponseEncoder {
    /// Appends the response: status line, Server, Date, Content-Type, Content-Length,
    /// Connection when it differs from the version's default, and the body (none for HEAD).
    public static func encode(_ response: Response, keepAlive: Bool, version: HTTPVersion, isHead: Bool,
                              date: DateCache, into out: OutputBuffer) {
        out.append(statusLine(response.status))
        out.append("Server: volley\r\nDate: ")
        out.append(date.value)
        out.append("\r\n")
        out.append(response.contentType.header)
        out.append("Content-Length: ")
        out.appendDecimal(response.body.count)
        out.append("\r\n")
        if let allow = response.allow { out.append("Allow: "); out.append(allow); out.append("\r\n") }
        if !keepAlive { out.append("Connection: close\r\n") } else if version == .http1_0 { out.append("Connection: keep-alive\r\n") }
        out.append("\r\n")
        if !isHead { response.body.write(to: out) }
    }

    /// The interim answer to `Expect: 100-continue`.
    public static func encodeContinue(into out: OutputBuffer) { out.append("HTTP/1.1 100 Continue\r\n\r\n") }

    static func statusLine(_ status: Int) -> StaticString {
        switch status {
        case 200: "HTTP/1.1 200 OK\r\n"
        case 400: "HTTP/1.1 400 Bad Request\r\n"
        case 404: "HTTP/1.1 404 Not Found\r\n"
        case 405: "HTTP/1.1 405 Method Not Allowed\r\n"
        case 408: "HTTP/1.1 408 Request Timeout\r\n"
        case 413: "HTTP/1.1 413 Content Too Large\r\n"
        case 414: "HTTP/1.1 414 URI Too Long\r\n"
        case 417: "HTTP/1.1 417 Expectation Failed\r\n"
        case 431: "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        case 501: "HTTP/1.1 501 Not Implemented\r\n"
        case 503: "HTTP/1.1 503 Service Unavailable\r\n"
        case 505: "HTTP/1.1 505 HTTP Version Not Supported\r\n"
        default: "HTTP/1.1 500 Internal Server Error\r\n"
        }
    }
}
