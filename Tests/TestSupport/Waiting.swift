// Bounded waits on a real condition, the tests' only way to synchronise with another thread or
// process: each looks at the condition, and only between looks sleeps a little. A fixed sleep
// that hopes something has happened meanwhile has no place in a test.

import Clocks
import Foundation

/// Polls `condition` until it holds or `seconds` pass; whether it held.
@discardableResult
public func waitUntil(seconds: Double, pollEvery interval: Double = 0.01, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
    while true {
        if condition() { return true }
        if MonotonicClock.nanoseconds() >= deadline { return false }
        usleep(useconds_t(interval * 1e6))
    }
}

/// Polls `value` until it gives `expected` or `seconds` pass; the last value seen.
public func waitFor<Value: Equatable>(_ expected: Value, seconds: Double, pollEvery interval: Double = 0.02,
                                      _ value: () -> Value?) -> Value? {
    var last: Value?
    waitUntil(seconds: seconds, pollEvery: interval) {
        last = value()
        return last == expected
    }
    return last
}
