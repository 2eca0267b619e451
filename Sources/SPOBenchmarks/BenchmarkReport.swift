import Foundation

/// PyTorch figures measured by `ops/bench_torch.py`: per config name, tokens/s of the same
/// workloads (`train_tokens_per_s`, `prefill_tokens_per_s`, `decode_tokens_per_s_b1`, ...).
public struct TorchResults: Sendable {
    public let figures: [String: [String: Double]]

    public init(contentsOf url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let root = object as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        let configs = (root["configs"] as? [String: Any]) ?? root
        var figures: [String: [String: Double]] = [:]
        for (name, value) in configs {
            guard let entries = value as? [String: Any] else { continue }
            figures[name] = entries.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        self.figures = figures
    }
}

/// The table `spo bench model` prints, with targets and PyTorch ratios.
public struct BenchmarkReport {
    public struct Payload: Codable {
        public var sgemmGFLOPS: Double
        public var threads: Int
        public var results: [ModelBenchmark.Result]
        public init(sgemmGFLOPS: Double, threads: Int, results: [ModelBenchmark.Result]) {
            self.sgemmGFLOPS = sgemmGFLOPS
            self.threads = threads
            self.results = results
        }
    }

    public let ceiling: Double
    public let results: [ModelBenchmark.Result]
    public let torch: TorchResults?

    public init(ceiling: Double, results: [ModelBenchmark.Result], torch: TorchResults?) {
        self.ceiling = ceiling
        self.results = results
        self.torch = torch
    }

    /// Targets of the model-engine issue, checked at the 135M shape.
    static let mfuTargets: [(key: String, label: String, minimum: Double)] = [
        ("train", "training MFU", 0.50), ("prefill", "prefill MFU", 0.60), ("b64", "decode b64 MFU", 0.25),
    ]

    public var text: String {
        var lines: [String] = []
        func row(_ cells: [String]) -> String {
            cells.enumerated().map { $0 == 0 ? $1.padding(toLength: 22, withPad: " ", startingAt: 0)
                : String(repeating: " ", count: max(1, ($0 % 3 == 1 ? 22 : 11) - $1.count)) + $1 }.joined()
        }
        lines.append(row(["workload"] + results.flatMap { ["\($0.name) tok/s", "MFU", "vs torch"] }))
        func line(_ label: String, _ value: (ModelBenchmark.Result) -> Double?, _ mfu: (ModelBenchmark.Result) -> Double?, torchKey: String?) {
            lines.append(row([label] + results.flatMap { r -> [String] in
                let v = value(r)
                let ratio = torchKey.flatMap { key in torch?.figures[r.name]?[key] }.flatMap { t in v.map { $0 / t } }
                return [v.map { String(format: "%.0f", $0) } ?? "-",
                        mfu(r).map { String(format: "%.1f%%", 100 * $0) } ?? "",
                        ratio.map { String(format: "%.2f×", $0) } ?? ""]
            }))
        }
        line("train (8×256)", { $0.trainTokensPerSecond }, { $0.trainMFU }, torchKey: "train_tokens_per_s")
        line("prefill (8×256)", { $0.prefillTokensPerSecond }, { $0.prefillMFU }, torchKey: "prefill_tokens_per_s")
        for b in [1, 8, 64] {
            line("decode batch \(b)", { $0.decodeTokensPerSecond["b\(b)"] }, { $0.decodeMFU["b\(b)"] },
                 torchKey: "decode_tokens_per_s_b\(b)")
        }
        lines.append(row(["fork speed-up 6-6-6"] + results.flatMap {
            [String(format: "%.2f×", $0.forkSpeedup), "", String(format: "%.1fs/%.1fs", $0.treeSeconds, $0.independentSeconds)]
        }))
        lines.append(row(["train activations"] + results.flatMap { [String(format: "%.0f MB", $0.activationMegabytes), "", ""] }))
        if let big = results.first(where: { $0.parameterCount > 100_000_000 }) {
            lines.append("")
            lines.append("targets at \(big.name):")
            let values = ["train": big.trainMFU, "prefill": big.prefillMFU, "b64": big.decodeMFU["b64"] ?? 0]
            for target in Self.mfuTargets {
                let value = values[target.key]!
                let verdict = value >= target.minimum ? "met" :
                    String(format: "MISSED by %.1f points", 100 * (target.minimum - value))
                lines.append(String(format: "  %@ %.1f%% (target ≥ %.0f%%): %@", target.label, 100 * value, 100 * target.minimum, verdict))
            }
            if let t = torch?.figures[big.name] {
                if let train = t["train_tokens_per_s"] {
                    let ratio = big.trainTokensPerSecond / train
                    lines.append(String(format: "  training vs PyTorch %.2f× (target ≥ 1×): %@", ratio, ratio >= 1 ? "met" : "MISSED"))
                }
                if let decode = t["decode_tokens_per_s_b64"], let ours = big.decodeTokensPerSecond["b64"] {
                    let ratio = ours / decode
                    lines.append(String(format: "  decode b64 vs PyTorch %.2f× (target ≥ 1.5×): %@", ratio, ratio >= 1.5 ? "met" : "MISSED"))
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
