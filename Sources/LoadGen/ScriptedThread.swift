import UVKit

/// One worker thread's script as the runner hands it over: the script, the request it sends
/// every time when it builds none per request (encoded once, as without a script), and the
/// address its `setup()` chose.
struct ScriptedThread {
    let script: ThreadScript
    let requests: RequestSet
    let address: SocketAddress?

    /// Checks the scripts against the options and encodes each thread's fixed request.
    static func prepare(_ scripts: [(script: ThreadScript, address: (host: String, port: UInt16)?)],
                        options: LoadOptions) throws(LoadError) -> [ScriptedThread] {
        guard let first = scripts.first?.script else { return [] }
        precondition(scripts.count == options.effectiveThreads, "one script state per thread")
        if !options.paths.isEmpty {
            throw .invalidOption("a script (-s) cannot be combined with weighted paths: let its request() choose the path")
        }
        if options.rate != nil {
            if first.requestsPerCall > 1 {
                throw .invalidOption("-R (constant rate) needs one request per request() call; the script's request holds \(first.requestsPerCall)")
            }
            if first.hasDelay {
                throw .invalidOption("-R (constant rate) cannot be combined with a script's delay(): the schedule decides when requests go")
            }
        }
        var prepared: [ScriptedThread] = []
        for (script, address) in scripts {
            var resolved: SocketAddress?
            if let address {
                do { resolved = try SocketAddress.resolve(host: address.host, port: address.port) } catch {
                    throw .unresolvable(error.description)
                }
            }
            // A dynamic script's fixed request is never sent; the set still needs one entry.
            let fixed = script.requestIsDynamic ? [UInt8(0)] : script.fixedRequest
            prepared.append(ScriptedThread(script: script,
                                           requests: RequestSet(requests: [fixed], weights: [1], pipeline: options.pipeline),
                                           address: resolved))
        }
        return prepared
    }
}
