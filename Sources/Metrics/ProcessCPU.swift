/// CPU time over a run of the generator's whole process and, when the engine was told which
/// process serves the load, of the server: the totals behind the per-slice CPU series
/// (`TimeSlice.generatorCpuPercent`, `serverCpuPercent`). Both cover the same window, from the
/// start of the load to its end.
public struct ProcessCPU: Sendable, Equatable {
    /// The generator's process, every thread (user and system, from `getrusage`).
    public var generatorUserSeconds: Double
    public var generatorSystemSeconds: Double
    /// The server's process and its descendants (user + system, from `/proc/PID/stat`); nil when
    /// no server process was watched.
    public var serverSeconds: Double?
    /// How many processes `serverSeconds` adds up (more than one for a shell wrapper or a pre-fork server).
    public var serverProcesses: Int?

    public init(generatorUserSeconds: Double, generatorSystemSeconds: Double, serverSeconds: Double? = nil, serverProcesses: Int? = nil) {
        self.generatorUserSeconds = generatorUserSeconds; self.generatorSystemSeconds = generatorSystemSeconds
        self.serverSeconds = serverSeconds; self.serverProcesses = serverProcesses
    }
}

/// The server's CPU totals live in the free-form `server` object of a variant, beside what the
/// server reported about itself: `cpuSeconds`, `cpuMicrosPerRequest` and `cpuProcesses`.
extension VariantResult {
    static let serverCPUSecondsKey = "cpuSeconds"
    static let serverCPUPerRequestKey = "cpuMicrosPerRequest"
    static let serverCPUProcessesKey = "cpuProcesses"

    /// The server's CPU time over the run, seconds (user + system), when the engine watched its process.
    public var serverCPUSeconds: Double? { Self.number(server?[Self.serverCPUSecondsKey]) }

    /// The server's CPU time per completed request, µs.
    public var serverCPUMicrosPerRequest: Double? { Self.number(server?[Self.serverCPUPerRequestKey]) }

    /// Writes the server's CPU totals into `server`, keeping whatever else is there.
    mutating func setServerCPU(seconds: Double, processes: Int?, requests: UInt64) {
        var object = server ?? [:]
        object[Self.serverCPUSecondsKey] = .double(seconds)
        object[Self.serverCPUPerRequestKey] = .double(requests == 0 ? 0 : seconds * 1e6 / Double(requests))
        if let processes { object[Self.serverCPUProcessesKey] = .integer(Int64(processes)) }
        server = object
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let n)?: return Double(n)
        case .double(let d)?: return d
        default: return nil
        }
    }
}
