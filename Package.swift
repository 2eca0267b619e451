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
        .library(name: "SPORuntime", targets: ["SPORuntime"]),
        .executable(name: "spo", targets: ["spo"]),
        .executable(name: "spo-generate", targets: ["spo-generate"]),
        .executable(name: "spo-partition", targets: ["spo-partition"]),
        .executable(name: "spo-value", targets: ["spo-value"]),
        .executable(name: "spo-advantage", targets: ["spo-advantage"]),
        .executable(name: "spo-optimize", targets: ["spo-optimize"]),
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
        // Optimised in debug builds too: `swift test` runs whole pipelines (stage processes
        // training a model) whose kernels are ~50× slower at -Onone (SPORuntimeTests).
        .target(
            name: "SPOModel", dependencies: ["COpenBLAS"],
            swiftSettings: kernelFlags + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "SPOTasks"),
        .target(name: "SPOPipelineSpec"),
        .target(name: "SPOWire", dependencies: ["CZMQ", "CMsgPack"]),
        .target(
            name: "SPOTraining", dependencies: ["SPOModel", "SPOTasks"],
            swiftSettings: kernelFlags),
        .target(
            name: "SPOBenchmarks", dependencies: ["SPOModel"],
            swiftSettings: kernelFlags),
        .target(
            name: "SPORuntime",
            dependencies: ["SPOWire", "SPOPipelineSpec", "SPOModel", "SPOTasks", "SPOTraining"],
            swiftSettings: kernelFlags),
        .executableTarget(name: "spo-generate", dependencies: ["SPORuntime"]),
        .executableTarget(name: "spo-partition", dependencies: ["SPORuntime"]),
        .executableTarget(name: "spo-value", dependencies: ["SPORuntime"]),
        .executableTarget(name: "spo-advantage", dependencies: ["SPORuntime"]),
        .executableTarget(name: "spo-optimize", dependencies: ["SPORuntime"]),
        .executableTarget(
            name: "spo",
            dependencies: [
                "SPOModel", "SPOBenchmarks", "SPOTraining", "SPOTasks", "SPOPipelineSpec", "SPORuntime", "SPOWire",
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
            name: "SPORuntimeTests",
            dependencies: ["SPORuntime", "SPOWire", "SPOPipelineSpec", "SPOModel", "SPOTasks", "SPOTraining"],
            swiftSettings: kernelFlags),
        .testTarget(
            name: "SPOTrainingTests", dependencies: ["SPOTraining", "SPOModel"],
            swiftSettings: kernelFlags),
    ]
)
