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
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .target(name: "HTTP1"),
        .target(name: "UVKit", dependencies: ["CLibUV"]),
        .target(name: "Metrics", dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]),
        .target(name: "LoadGen", dependencies: [
            "HTTP1", "UVKit", "Metrics",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "PeerFixtures", dependencies: ["UVKit"]),
        // SIGPROF sampler (C) and its Swift side; libdw (elfutils) names the sampled addresses.
        .target(name: "CSampler", linkerSettings: [.linkedLibrary("dw"), .linkedLibrary("stdc++")]),
        .target(name: "Profiler", dependencies: ["CSampler"]),
        .target(name: "VolleyCLI", dependencies: [
            "LoadGen", "Metrics", "HTTP1", "PeerFixtures", "Profiler",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "volley", dependencies: ["VolleyCLI"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "UVKitTests", dependencies: ["UVKit"]),
        .testTarget(name: "LoadGenTests", dependencies: ["LoadGen", "HTTP1", "UVKit", "Metrics", "PeerFixtures"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler"]),
        .testTarget(name: "VolleyCLITests", dependencies: ["VolleyCLI", "volley"]),
    ],
    swiftLanguageModes: [.v6]
)
