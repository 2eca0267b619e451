import ArgumentParser
import Foundation
import SPOBenchmarks
import SPOModel

/// `spo bench ...`: measured performance of the engine (release builds only are meaningful).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed against baselines measured in the same run.",
        subcommands: [BenchModel.self, BenchWire.self])
}

struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Training, prefill, decode and fork throughput with model-FLOP utilisation.",
        discussion: """
            Measures OpenBLAS sgemm GFLOP/s first (the ceiling), then for each model config: \
            training tokens/s (8 × 256, forward + backward + AdamW), prefill tokens/s (8 × 256), \
            decode tokens/s at batch 1, 8 and 64, and the speed-up of a 6-6-6 forked tree over \
            216 independent samples. With --torch, prints ratios against PyTorch figures \
            measured by ops/bench_torch.py on the same machine.
            """)

    @Option(name: .customLong("config"), help: "Model config.json files (default: configs/models/tiny.json and configs/models/smollm2-135m.json).")
    var configs: [String] = ["configs/models/tiny.json", "configs/models/smollm2-135m.json"]

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repeats = 3

    @Option(help: "OpenBLAS threads.")
    var threads = 2

    @Option(help: "PyTorch results JSON from ops/bench_torch.py, for ratios.")
    var torch: String?

    @Option(help: "Write the results as JSON to this file.")
    var out: String?

    func run() throws {
        BLAS.threadCount = threads
        // The ceiling is the best of measurements before every config: a single measurement
        // taken while another process briefly held a core would inflate every MFU figure.
        var ceiling = SgemmCeiling.measure()
        var results: [ModelBenchmark.Result] = []
        for path in configs {
            ceiling = max(ceiling, SgemmCeiling.measure())
            let url = URL(fileURLWithPath: path)
            let config = try LlamaConfig(contentsOf: url)
            var benchmark = ModelBenchmark(
                name: url.deletingPathExtension().lastPathComponent, config: config, ceilingGFLOPS: ceiling)
            benchmark.repeats = repeats
            benchmark.progress = { FileHandle.standardError.write(Data("… \($0)\n".utf8)) }
            results.append(try benchmark.run())
        }
        ceiling = max(ceiling, SgemmCeiling.measure())
        print(String(format: "OpenBLAS sgemm 2048² with %d threads: %.1f GFLOP/s (the MFU ceiling, best of %d measurements)",
                     threads, ceiling, configs.count + 2))
        results = results.map { $0.rescaled(toCeiling: ceiling) }
        let torchResults = try torch.map { try TorchResults(contentsOf: URL(fileURLWithPath: $0)) }
        print(BenchmarkReport(ceiling: ceiling, results: results, torch: torchResults).text)
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let payload = BenchmarkReport.Payload(sgemmGFLOPS: ceiling, threads: threads, results: results)
            try AtomicFile.write(try encoder.encode(payload), to: URL(fileURLWithPath: out))
        }
    }
}
