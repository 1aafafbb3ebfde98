import Testing
@testable import Profiler

@Suite struct NameSimplifierTests {
    /// Full demangled Swift names shorten to labels-only signatures, closures and accessors without types.
    @Test(arguments: [
        ("ProfilerTests.burn(cpuSeconds: Swift.Double) -> Swift.UInt64", "ProfilerTests.burn(cpuSeconds:)"),
        ("LoadGen.Worker.run() -> ()", "LoadGen.Worker.run()"),
        ("closure #1 @Sendable () -> () in closure #4 (LoadGen.Worker) -> UVKit.OSThread in LoadGen.LoadRunner.run(handleInterrupt: Swift.Bool) -> Metrics.Measurement",
         "closure #1 @Sendable in closure #4 in LoadGen.LoadRunner.run(handleInterrupt:)"),
        ("@objc closure #1 (Swift.Optional<Swift.UnsafeMutableRawPointer>) -> Swift.Optional<Swift.UnsafeMutableRawPointer> in UVKit.OSThread.init(name: Swift.Optional<Swift.String>, _: @Sendable () -> ()) -> UVKit.OSThread",
         "@objc closure #1 in UVKit.OSThread.init(name:_:)"),
        ("generic specialization <Swift.Int> of Swift.Array.append(A) -> ()", "generic specialization <Swift.Int> of Swift.Array.append(_:)"),
        ("Swift.Array.subscript.getter : (Swift.Int) -> A", "Swift.Array.subscript.getter"),
        ("LoadGen.Worker.recorder.getter : LoadGen.Recorder", "LoadGen.Worker.recorder.getter"),
        ("(extension in Swift):Swift.Range<A>.index(after: A) -> A", "(extension in Swift):Swift.Range<A>.index(after:)"),
        ("HTTP1.ResponseParser.parse(_: Swift.UnsafeRawBufferPointer, into: inout [Swift.Int]) throws -> Swift.Int",
         "HTTP1.ResponseParser.parse(_:into:)"),
        ("uv_run", "uv_run"),
        ("swift_retain", "swift_retain"),
    ])
    func simplifies(full: String, short: String) {
        #expect(NameSimplifier.simplify(full) == short)
    }

    /// Private declarations lose their file discriminator.
    @Test func privateDiscriminatorGoes() {
        #expect(Symbolizer.readable("M.(burn in _5B733CE89093990F6B3DD4B07145ED0D)(x: Swift.Int) -> ()") == "M.burn(x: Swift.Int) -> ()")
    }
}
