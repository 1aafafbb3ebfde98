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
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "HTTP1"),
        .target(name: "UVKit", dependencies: ["CLibUV"]),
        .target(name: "Metrics", dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]),
        .target(name: "LoadGen", dependencies: [
            "HTTP1", "UVKit", "Metrics",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "PeerFixtures", dependencies: ["UVKit"]),
        .target(name: "RefServer", dependencies: ["HTTP1", "UVKit", "CZlib"]),
        .target(name: "VolleyCLI", dependencies: [
            "LoadGen", "Metrics", "HTTP1", "PeerFixtures", "RefServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "volley", dependencies: ["VolleyCLI"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "UVKitTests", dependencies: ["UVKit"]),
        .testTarget(name: "LoadGenTests", dependencies: ["LoadGen", "HTTP1", "UVKit", "Metrics", "PeerFixtures"]),
        .testTarget(name: "VolleyCLITests", dependencies: ["VolleyCLI", "volley"]),
        .testTarget(name: "RefServerTests", dependencies: ["RefServer", "HTTP1", "UVKit", "LoadGen", "Metrics", "volley"]),
    ],
    swiftLanguageModes: [.v6]
)
