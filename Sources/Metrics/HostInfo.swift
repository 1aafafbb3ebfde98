import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine a run was measured on; numbers from different machines are not comparable.
public struct HostInfo: Codable, Sendable, Equatable {
    /// CPU model as /proc/cpuinfo names it ("AMD EPYC 7B13"), or "unknown".
    public var cpuModel: String
    /// Logical CPUs online.
    public var logicalCores: Int
    /// Operating system and kernel release from uname ("Linux 6.1.0-18-amd64").
    public var kernel: String
    /// Machine architecture from uname ("x86_64", "aarch64").
    public var architecture: String
    public var hostname: String

    public init(cpuModel: String, logicalCores: Int, kernel: String, architecture: String, hostname: String) {
        self.cpuModel = cpuModel; self.logicalCores = logicalCores; self.kernel = kernel
        self.architecture = architecture; self.hostname = hostname
    }

    /// Reads the host this process runs on. Never fails: what cannot be read is "unknown".
    public static func current() -> HostInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var names = utsname()
        var kernel = "unknown", architecture = "unknown", hostname = "unknown"
        if uname(&names) == 0 {
            let sysname = field(&names.sysname), release = field(&names.release)
            kernel = [sysname, release].filter { !$0.isEmpty }.joined(separator: " ")
            architecture = field(&names.machine)
            hostname = field(&names.nodename)
        }
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return HostInfo(cpuModel: cpuModel(fromCPUInfo: cpuinfo) ?? "unknown",
                        logicalCores: cores > 0 ? cores : ProcessInfo.processInfo.activeProcessorCount,
                        kernel: kernel.isEmpty ? "unknown" : kernel,
                        architecture: architecture.isEmpty ? "unknown" : architecture,
                        hostname: hostname.isEmpty ? "unknown" : hostname)
    }

    /// The CPU model named in the text of /proc/cpuinfo: x86's `model name`, or on other
    /// architectures `Model`, `Hardware`, `cpu model`, `cpu` or `Processor`; nil if none.
    public static func cpuModel(fromCPUInfo text: String) -> String? {
        let keys = ["model name", "Model", "Hardware", "cpu model", "cpu", "Processor"]
        var found: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if keys.contains(key), !value.isEmpty, found[key] == nil { found[key] = value }
        }
        return keys.lazy.compactMap { found[$0] }.first
    }

    private static func field<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
