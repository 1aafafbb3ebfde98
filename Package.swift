// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "volley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "volley", targets: ["volley"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTLS", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMongoc", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev"])]),
        .systemLibrary(name: "CLuaJIT", pkgConfig: "luajit", providers: [.apt(["libluajit2-5.1-dev"])]),
        .target(name: "HTTP1"),
        // The monotonic clock, the wall clock and UTC timestamps: the one copy every module uses.
        .target(name: "Clocks"),
        .target(name: "UVKit", dependencies: ["CLibUV"]),
        // TLS over UVKit streams with OpenSSL memory BIOs; nothing else sees OpenSSL.
        .target(name: "TLS", dependencies: ["CTLS", "UVKit"]),
        .target(name: "Metrics", dependencies: ["Clocks", "CZlib", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        .target(name: "LoadGen", dependencies: [
            "Clocks", "HTTP1", "UVKit", "Metrics", "TLS",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "PeerFixtures", dependencies: ["Clocks", "UVKit", "TLS"]),
        // wrk's Lua scripting API (-s) on LuaJIT, behind LoadGen's ThreadScript.
        .target(name: "Scripting", dependencies: [
            "CLuaJIT", "LoadGen", "Metrics", "HTTP1",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "RefServer", dependencies: [
            "Clocks", "HTTP1", "UVKit", "CZlib", "MongoBackend", "MongoWire", "Profiler", "TLS",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "MongoWire", dependencies: ["Clocks", "UVKit"]),
        .target(name: "MongoBackend", dependencies: ["CMongoc"]),
        .target(name: "Scenario", dependencies: [
            "Clocks", "LoadGen", "Metrics", "HTTP1", "Scripting", "UVKit", "Profiler", "TLS",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // SIGPROF sampler (C) and its Swift side; libdw (elfutils) names the sampled addresses.
        .target(name: "CSampler", linkerSettings: [.linkedLibrary("dw"), .linkedLibrary("stdc++")]),
        .target(name: "Profiler", dependencies: ["Clocks", "CSampler"]),
        // Every printer: a RunReport (or a Comparison) as wrk-style text, .hgrm, Markdown and HTML.
        .target(name: "Reports", dependencies: [
            "Clocks", "Metrics", "Scenario", "Profiler",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "VolleyCLI", dependencies: [
            "Clocks", "LoadGen", "Metrics", "HTTP1", "PeerFixtures", "RefServer", "MongoWire", "Scenario", "Profiler", "Reports", "Scripting", "TLS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "volley", dependencies: ["VolleyCLI"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TestSupport"]),
        .testTarget(name: "UVKitTests", dependencies: ["UVKit"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "UVKit"]),
        .testTarget(name: "LoadGenTests", dependencies: ["Clocks", "LoadGen", "HTTP1", "UVKit", "Metrics", "PeerFixtures", "TLS"]),
        .testTarget(name: "MongoWireTests", dependencies: ["Clocks", "MongoWire", "MongoBackend", "CMongoc", "UVKit", "TestSupport"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler", "TestSupport"]),
        // What the test targets share, tests only: the volley executable and its server children,
        // programs run to completion, the loopback HTTP test client, bounded waits, samples.
        .target(name: "TestSupport", dependencies: [
            "Clocks", "HTTP1", "Metrics", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "VolleyCLITests", dependencies: ["VolleyCLI", "volley", "TestSupport"]),
        .testTarget(name: "RefServerTests", dependencies: ["RefServer", "HTTP1", "UVKit", "MongoWire", "MongoBackend", "Profiler", "LoadGen", "Metrics", "volley", "TestSupport", "TLS"]),
        .testTarget(name: "ScriptingTests", dependencies: ["Scripting", "LoadGen", "Metrics", "PeerFixtures", "volley", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Metrics", "LoadGen", "PeerFixtures", "VolleyCLI", "Reports", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Metrics", "Scenario", "Profiler", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
