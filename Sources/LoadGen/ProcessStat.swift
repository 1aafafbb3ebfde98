/// The fields Volley reads from a `/proc/PID/stat` line: which process it is (pid, parent, start
/// time) and the CPU time it has used. Field 2, the command name, is in parentheses and may itself
/// hold spaces and parentheses (`1234 (my (odd) app) S 1 …`), so the fields after it are counted
/// from the line's *last* `)`, as procps does: nothing after the name can be a `)`.
struct ProcessStat: Equatable {
    var pid: Int32
    var parent: Int32
    /// User and system CPU time, clock ticks (`sysconf(_SC_CLK_TCK)`, 100 a second on Linux).
    var userTicks: UInt64
    var systemTicks: UInt64
    /// When the process started, clock ticks after boot; with `pid` it names one process (pids are reused).
    var startTicks: UInt64

    var cpuTicks: UInt64 { userTicks &+ systemTicks }

    // Field numbers of proc(5), counting the pid as 1 and the name as 2.
    private static let parentField = 4, userField = 14, systemField = 15, startField = 22

    /// Parses one stat line; nil when it is not one (cut short, no name in parentheses, a field
    /// that should be a number is not). Reads the bytes in place: no allocation.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> ProcessStat? {
        var i = 0
        var pid: UInt64 = 0
        while i < bytes.count, let digit = decimal(bytes[i]) {
            pid = pid * 10 + digit
            i += 1
            guard pid <= UInt64(Int32.max) else { return nil }
        }
        guard i > 0, i + 1 < bytes.count, bytes[i] == UInt8(ascii: " "), bytes[i + 1] == UInt8(ascii: "(") else { return nil }
        var close = bytes.count - 1
        while close > i + 1, bytes[close] != UInt8(ascii: ")") { close -= 1 }
        guard close > i + 1 else { return nil }

        // After ") ": fields separated by single spaces, field 3 (the state) first.
        var stat = ProcessStat(pid: Int32(pid), parent: 0, userTicks: 0, systemTicks: 0, startTicks: 0)
        var field = 2
        var value: UInt64 = 0
        var numeric = true
        var j = close + 1
        // A field counts only once its separator is read: a line cut short inside the start time is no line.
        while j < bytes.count {
            let byte = bytes[j]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if field >= 3 {
                    // A field we keep must be a plain number.
                    let wanted = field == parentField || field == userField || field == systemField || field == startField
                    if wanted && !numeric { return nil }
                    switch field {
                    case parentField: guard value <= UInt64(Int32.max) else { return nil }; stat.parent = Int32(value)
                    case userField: stat.userTicks = value
                    case systemField: stat.systemTicks = value
                    case startField: stat.startTicks = value; return stat
                    default: break
                    }
                }
                if byte == UInt8(ascii: "\n") { return nil }
                field += 1
                value = 0
                numeric = j + 1 < bytes.count && bytes[j + 1] != UInt8(ascii: " ")
            } else if let digit = decimal(byte) {
                value = value &* 10 &+ digit
            } else {
                numeric = false
            }
            j += 1
        }
        return nil
    }

    @inline(__always)
    private static func decimal(_ byte: UInt8) -> UInt64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt64(byte - UInt8(ascii: "0")) : nil
    }
}
