/// A script driving one worker thread's requests (wrk's per-thread Lua state), as the engine
/// sees it: the engine calls it where it would otherwise write its pre-encoded request, hands it
/// each response when it asks for them, and asks it for a pause before each batch when it has
/// one. The engine never sees what implements it (the `Scripting` target does, with LuaJIT).
///
/// A thread script is created and set up on the runner's thread and then used only on its
/// worker's thread.
public protocol ThreadScript: AnyObject {
    /// Whether the script builds each request (`request()`); otherwise `fixedRequest` is sent
    /// every time, as pre-encoded requests are, at no cost per request.
    var requestIsDynamic: Bool { get }
    /// How many HTTP requests one built request holds (wrk's pipelining by concatenation).
    var requestsPerCall: Int { get }
    /// The bytes sent every time when the request is not dynamic.
    var fixedRequest: [UInt8] { get }
    /// Builds the next request. The bytes stay valid until the next call on this script; nil
    /// when the script failed (the script counts it, and stops its thread when every call fails).
    func nextRequest() -> UnsafeRawBufferPointer?
    /// Whether the script wants each response (`response()`); only then are responses kept.
    var wantsResponses: Bool { get }
    /// One complete response: its status and its raw bytes (head and body as received).
    func response(status: Int, raw: UnsafeRawBufferPointer)
    /// Whether the script pauses before each batch (`delay()`).
    var hasDelay: Bool { get }
    /// The pause before the next batch, in milliseconds.
    func delayMillis() -> UInt64
    /// Set by the worker while its load runs (nil before and after): stops the thread at once.
    /// Only the script's own callbacks call it, on the worker's thread (`thread:stop()`).
    var stopThread: (() -> Void)? { get set }
}
