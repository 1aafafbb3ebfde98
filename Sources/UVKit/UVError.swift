internal import CLibUV

/// A libuv error code (a negative errno), with libuv's name and message for it.
public struct UVError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The negative error number libuv returned.
    public let code: Int32

    public init(_ code: Int32) { self.code = code }

    /// libuv's symbolic name, e.g. `ECONNREFUSED`.
    public var name: String { String(cString: uv_err_name(code)) }
    /// libuv's human-readable message, e.g. `connection refused`.
    public var message: String { String(cString: uv_strerror(code)) }
    public var description: String { "\(message) (\(name))" }

    public static let endOfFile = UVError(Int32(UV_EOF.rawValue))
    public static let tryAgain = UVError(Int32(UV_EAGAIN.rawValue))
    public static let connectionRefused = UVError(Int32(UV_ECONNREFUSED.rawValue))
    public static let connectionReset = UVError(Int32(UV_ECONNRESET.rawValue))
    public static let canceled = UVError(Int32(UV_ECANCELED.rawValue))
    public static let timedOut = UVError(Int32(UV_ETIMEDOUT.rawValue))
    public static let brokenPipe = UVError(Int32(UV_EPIPE.rawValue))
    public static let addressInUse = UVError(Int32(UV_EADDRINUSE.rawValue))

    /// Throws when a libuv call returned a negative status.
    @discardableResult
    static func check(_ status: Int32) throws(UVError) -> Int32 {
        if status < 0 { throw UVError(status) }
        return status
    }
}
