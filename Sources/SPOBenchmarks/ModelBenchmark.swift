import Foundation
import SPOModel

/// `spo bench model`: training, prefill, decode and fork throughput of the engine on one
/// config, each with its model-FLOP utilisation against the sgemm ceiling of the same run.
///
/// Workloads (the same in `ops/bench_torch.py`, so figures compare one to one):
/// - train: 8 sequences × 256 random tokens; one step = forward over all next-token
///   positions, gradient of the mean cross-entropy, backward, AdamW update.
/// - prefill: 8 × 256 tokens into the KV cache, next-token logits of the last positions.
/// - decode at batch b: b prompts of 32 tokens prefilled (untimed), then 64 greedy decode
///   steps; tokens/s = 64·b / time.
/// - fork: a 6-6-6 tree of 30-token segments from one 32-token prompt (children forked from
///   the parent's cache) vs 216 independent 90-token samples (216 prompts prefilled).
public struct ModelBenchmark {
    public struct Result: Codable, Sendable {
        public var name: String
        public var parameterCount: Int
        public var trainTokensPerSecond: Double
        public var trainMFU: Double
        public var prefillTokensPerSecond: Double
        public var prefillMFU: Double
        public var decodeTokensPerSecond: [String: Double]
        public var decodeMFU: [String: Double]
        public var forkSpeedup: Double
        public var treeSeconds: Double
        public var independentSeconds: Double
        public var activationMegabytes: Double
        /// The sgemm GFLOP/s the MFU figures are relative to.
        public var ceilingGFLOPS: Double

        /// The same result with MFU figures relative to another ceiling.
        public func rescaled(toCeiling ceiling: Double) -> Result {
            var copy = self
            let factor = ceilingGFLOPS / ceiling
            copy.trainMFU *= factor
            copy.prefillMFU *= factor
            copy.decodeMFU = decodeMFU.mapValues { $0 * factor }
            copy.ceilingGFLOPS = ceiling
            return copy
        }
    }

    public let name: String
    public let config: LlamaConfig
    public let ceilingGFLOPS: Double
    public var repeats = 3
    public var batch = 8
    public var sequenceLength = 256
    public var decodeBatches = [1, 8, 64]
    public var progress: (String) -> Void = { _ in }

    public init(name: String, config: LlamaConfig, ceilingGFLOPS: Double) {
        self.name = name
        self.config = config
        self.ceilingGFLOPS = ceilingGFLOPS
    }

    func randomTokens(_ count: Int, _ random: inout RandomStream) -> [Int32] {
        (0..<count).map { _ in Int32(random.nextInt(below: config.vocabularySize)) }
    }

    public func run() throws -> Result {
        let model = LlamaModel(config: config, seed: 1)
        let flops = ModelFLOPs(config: config)
        var random = RandomStream(seed: 2)

        progress("\(name): training step")
        let sequences = (0..<batch).map { _ in randomTokens(sequenceLength, &random) }
        let trainBatch = try TokenBatch(sequences: sequences)
        let optimizer = try AdamW(parameterCount: model.layout.parameterCount,
                                  configuration: AdamWConfiguration(learningRate: 1e-4))
        let gradientPerToken = -1 / Float(trainBatch.scoredCount)
        let trainSeconds = try Stopwatch.median(repeats: repeats) {
            model.zeroGradients()
            let pass = try model.forward(trainBatch)
            try model.backward(pass, logProbabilityGradients: Array(repeating: gradientPerToken, count: trainBatch.scoredCount))
            _ = GradientClipping.clip(model.gradients.pointer, count: model.layout.parameterCount, maxNorm: 1)
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                             count: model.layout.parameterCount, learningRate: 1e-4)
        }
        let activationMegabytes = Double(model.activationBytes) / 1e6
        model.releaseActivationMemory()
        let tokens = Double(batch * sequenceLength)
        let trainFLOPs = flops.training(sequences: batch, length: sequenceLength)

        progress("\(name): prefill")
        let engine = InferenceEngine(model: model)
        let prefillSeconds = try Stopwatch.median(repeats: repeats) {
            let ids = try engine.prefill(sequences)
            ids.forEach(engine.release)
        }
        let prefillFLOPs = flops.forward(sequences: batch, length: sequenceLength, headRows: batch)

        var decodeRates: [String: Double] = [:], decodeMFU: [String: Double] = [:]
        let prompt = 32, steps = 64
        for b in decodeBatches {
            progress("\(name): decode at batch \(b)")
            let prompts = (0..<b).map { _ in randomTokens(prompt, &random) }
            var times: [Double] = []
            for _ in 0..<max(1, repeats) {
                let ids = try engine.prefill(prompts)
                times.append(try Stopwatch.time { try decodeGreedy(engine, ids, steps: steps) })
                ids.forEach(engine.release)
            }
            let seconds = times.sorted()[times.count / 2]
            decodeRates["b\(b)"] = Double(b * steps) / seconds
            let decodeFLOPs = Double(b) * (0..<steps).reduce(0.0) {
                $0 + flops.forwardPerToken(context: Double(prompt + $1 + 1))
            }
            decodeMFU["b\(b)"] = decodeFLOPs / seconds / 1e9 / ceilingGFLOPS
        }

        progress("\(name): fork speed-up (6-6-6 tree vs 216 independent samples)")
        let treePrompt = randomTokens(prompt, &random)
        let treeSeconds = try Stopwatch.time { try sampleTree(engine, prompt: treePrompt, branching: [6, 6, 6], segment: 30) }
        let independentSeconds = try Stopwatch.time {
            let ids = try engine.prefill(Array(repeating: treePrompt, count: 216))
            defer { ids.forEach(engine.release) }
            try decodeGreedy(engine, ids, steps: 90)
        }

        return Result(
            name: name, parameterCount: model.layout.parameterCount,
            trainTokensPerSecond: tokens / trainSeconds,
            trainMFU: trainFLOPs / trainSeconds / 1e9 / ceilingGFLOPS,
            prefillTokensPerSecond: tokens / prefillSeconds,
            prefillMFU: prefillFLOPs / prefillSeconds / 1e9 / ceilingGFLOPS,
            decodeTokensPerSecond: decodeRates, decodeMFU: decodeMFU,
            forkSpeedup: independentSeconds / treeSeconds, treeSeconds: treeSeconds,
            independentSeconds: independentSeconds, activationMegabytes: activationMegabytes,
            ceilingGFLOPS: ceilingGFLOPS)
    }

    /// `steps` greedy decode steps for every sequence in `ids` (one batched extend per step).
    func decodeGreedy(_ engine: InferenceEngine, _ ids: [InferenceEngine.SequenceID], steps: Int) throws {
        for _ in 0..<steps {
            let next = try ids.map { id -> [Int32] in
                try engine.nextLogits(of: id).withUnsafeBufferPointer { logits in
                    let top = Vector.maximum(logits.baseAddress!, logits.count)
                    return [Int32(FastMath.firstIndex(of: top, in: logits.baseAddress!, count: logits.count)!)]
                }
            }
            try engine.extend(ids, with: next)
        }
    }

    /// A tree: the prompt forks into `branching[0]` children, each decodes `segment` tokens,
    /// each of those forks into `branching[1]`, and so on.
    func sampleTree(_ engine: InferenceEngine, prompt: [Int32], branching: [Int], segment: Int) throws {
        var frontier = try engine.prefill([prompt])
        var all = frontier
        for width in branching {
            var children: [InferenceEngine.SequenceID] = []
            for parent in frontier { children += try engine.fork(parent, count: width) }
            try decodeGreedy(engine, children, steps: segment)
            all += children
            frontier = children
        }
        all.forEach(engine.release)
    }
}
