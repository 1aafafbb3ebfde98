/// Carries objects that are not `Sendable` (a loop, its handles) onto the thread that will own
/// them from then on. Use it once, at the hand-over: the sending thread must not touch them after.
public struct ThreadHandover<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
