// swift-tools-version:6.0
import PackageDescription

/// Kernels are written with explicit SIMD; without an FMA-capable target, `addProduct`
/// lowers to a per-lane library call (see docs/benchmarks.md). Every machine this project
/// runs on (developers, CI) is x86-64 with AVX2 + FMA.
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "SegmentPolicyOptimization",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SPOModel", targets: ["SPOModel"]),
        .executable(name: "spo", targets: ["spo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]),
        .systemLibrary(
            name: "CZMQ", path: "Sources/CZMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev", "pkg-config"])]),
        .systemLibrary(
            name: "CMsgPack", path: "Sources/CMsgPack", pkgConfig: "msgpack",
            providers: [.apt(["libmsgpack-dev", "pkg-config"])]),
        .target(
            name: "SPOModel", dependencies: ["COpenBLAS"],
            swiftSettings: kernelFlags),
        .target(name: "SPOTasks"),
        .target(name: "SPOPipelineSpec"),
        .target(name: "SPOWire", dependencies: ["CZMQ", "CMsgPack"]),
        .target(
            name: "SPOTraining", dependencies: ["SPOModel", "SPOTasks"],
            swiftSettings: kernelFlags),
        .target(
            name: "SPOBenchmarks", dependencies: ["SPOModel"],
            swiftSettings: kernelFlags),
        .executableTarget(
            name: "spo",
            dependencies: [
                "SPOModel", "SPOBenchmarks", "SPOTraining", "SPOTasks", "SPOPipelineSpec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: kernelFlags),
        .testTarget(
            name: "SPOModelTests", dependencies: ["SPOModel"],
            swiftSettings: kernelFlags),
        .testTarget(name: "SPOPipelineSpecTests", dependencies: ["SPOPipelineSpec"]),
        .testTarget(name: "SPOWireTests", dependencies: ["SPOWire"]),
        .testTarget(
            name: "SPOTasksTests", dependencies: ["SPOTasks"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SPOTrainingTests", dependencies: ["SPOTraining", "SPOModel"],
            swiftSettings: kernelFlags),
    ]
)
