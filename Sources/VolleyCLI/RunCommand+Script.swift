import Foundation
import LoadGen
import Metrics
import Scripting

/// `volley run -s script.lua URL -- args`: wrk's Lua scripts, unchanged.
extension RunCommand {
    /// Loads the script into its setup state; a file that cannot be read or compiled is exit 2.
    func openScript(_ options: LoadOptions) throws -> ScriptSession? {
        guard let script else {
            if !scriptArguments.isEmpty { throw usageError("arguments after -- are for a script; give one with -s FILE") }
            return nil
        }
        do {
            return try ScriptSession(path: script, arguments: scriptArguments, url: url, method: options.method,
                                     headers: options.headers, body: options.body.isEmpty ? nil : options.body,
                                     printToStandardError: json == "-")
        } catch {
            throw usageError("script: \(error)")
        }
    }

    /// One Lua state per load thread, set up and initialised (their output comes before the
    /// run's header, as in wrk).
    func makeScriptThreads(_ session: ScriptSession?, options: LoadOptions) throws
        -> [(script: ThreadScript, address: (host: String, port: UInt16)?)] {
        guard let session else { return [] }
        do { return try session.makeThreads(count: options.effectiveThreads) } catch {
            throw usageError("script: \(error)")
        }
    }

    /// After the report: `done()`, then the script's errors, once each. Returns true when the
    /// run failed because of the script (done() failed, or every request failed).
    func finishScript(_ session: ScriptSession?, measurement: LoadMeasurement) throws -> Bool {
        guard let session else { return false }
        var failed = false
        do { try session.done(measurement) } catch {
            printError("volley: script: \(error)")
            failed = true
        }
        for line in session.errors.lines { printError("volley: script: \(line)") }
        if session.everyRequestFailed {
            printError("volley: script: stopped: the script failed \(100) times in a row on every thread")
            failed = true
        }
        return failed
    }
}
