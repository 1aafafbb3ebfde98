import HTTP1
import LoadGen
import Metrics
import Scripting

/// A variant's wrk Lua script (`load.script`): a fresh set of Lua states for each run (the
/// warm-up's do not carry over), `done()` after the measured run, its errors as notes.
enum ScriptPhase {
    static func open(_ load: LoadSpec, url: HTTPURL) throws(VariantRunError) -> ScriptSession? {
        guard let path = load.script else { return nil }
        do {
            return try ScriptSession(path: path, arguments: load.scriptArguments, url: "http://\(url.hostHeader)\(url.target)",
                                     method: load.method, headers: load.headers.map { ($0.name, $0.value) },
                                     body: load.body.map { Array($0.utf8) })
        } catch {
            throw VariantRunError("script: \(error)")
        }
    }

    static func threads(_ session: ScriptSession?, options: LoadOptions) throws(VariantRunError)
        -> [(script: ThreadScript, address: (host: String, port: UInt16)?)] {
        guard let session else { return [] }
        do { return try session.makeThreads(count: options.effectiveThreads) } catch {
            throw VariantRunError("script: \(error)")
        }
    }

    /// Calls `done()`; returns the notes the result keeps (the script's errors).
    static func finish(_ session: ScriptSession, measurement: LoadMeasurement) throws(VariantRunError) -> [String] {
        do { try session.done(measurement) } catch { throw VariantRunError("script: \(error)") }
        if session.everyRequestFailed {
            throw VariantRunError("script: every request failed: " + session.errors.lines.joined(separator: "; "))
        }
        return session.errors.lines.map { "script: \($0)" }
    }
}
