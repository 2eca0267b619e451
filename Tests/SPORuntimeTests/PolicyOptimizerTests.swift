import XCTest
import SPOModel
import SPOPipelineSpec
import SPOWire
@testable import SPORuntime

final class PolicyOptimizerTests: XCTestCase {
    let config = try! LlamaConfig(
        hiddenSize: 16, intermediateSize: 32, layerCount: 2, headCount: 2, vocabularySize: 12,
        rmsNormEpsilon: 1e-5, maximumPositions: 32, tieWordEmbeddings: true)

    func settings(rate: Double = 1e-2, epochs: Int = 1, batch: Int = 2, micro: Int = 1, whiten: Bool = false) -> OptimizeSettings {
        OptimizeSettings(
            clipEpsilon: 0.2, logRatioClamp: 10, probabilityMask: ProbabilityMask(enabled: false, threshold: 0.9),
            kl: KLPenalty(beta: 1e-4, estimator: .k3), epochs: epochs, batchSize: batch, microBatchSize: micro,
            learningRate: .constant(rate: rate),
            adamw: AdamWSettings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0),
            maxGradientNorm: 1, skipRatioAbove: 10, whitenAdvantages: whiten, valueLoss: nil, maxStaleness: 0,
            replay: nil)
    }

    /// A policy copied from the reference, so π = π_ref at the start.
    func makeOptimizer(_ settings: OptimizeSettings) throws -> PolicyOptimizer {
        let reference = LlamaModel(config: config, seed: 3)
        let model = LlamaModel(config: config)
        model.parameters.pointer.update(from: reference.parameters.pointer, count: reference.layout.parameterCount)
        return try PolicyOptimizer(model: model, reference: reference, settings: settings, temperature: 0.6, totalSteps: 10)
    }

    let sequences: [(prompt: [Int32], response: [Int32])] = [([1, 4, 5], [6, 7, 2]), ([1, 8], [9, 3, 10, 2])]

    /// Samples whose old log-probs are the policy's own (each sequence scored alone) plus
    /// `oldShift`, with advantage `advantages[s]` on every response token.
    func samples(_ model: LlamaModel, advantages: [Float], oldShift: Float = 0) throws -> [TrainingSample] {
        try zip(sequences, advantages).map { sequence, advantage in
            let tokens = sequence.prompt + sequence.response
            let pass = try model.forward(TokenBatch(sequences: [tokens], scoreStarts: [sequence.prompt.count]), temperature: 0.6)
            let padding = [Float](repeating: 0, count: sequence.prompt.count)
            return try TrainingSample(
                tokens: tokens, promptLength: sequence.prompt.count,
                lossMask: [UInt8](repeating: 0, count: sequence.prompt.count) + [UInt8](repeating: 1, count: sequence.response.count),
                advantages: padding + [Float](repeating: advantage, count: sequence.response.count),
                oldLogProbs: padding + pass.logProbabilities.map { $0 + oldShift })
        }
    }

    func responseLogProbability(_ model: LlamaModel, _ s: Int) throws -> Float {
        let tokens = sequences[s].prompt + sequences[s].response
        return try model.forward(TokenBatch(sequences: [tokens], scoreStarts: [sequences[s].prompt.count]), temperature: 0.6)
            .logProbabilities.reduce(0, +)
    }

    /// All advantages 0 and π = π_ref: the PG and KL gradients are exactly 0 (the
    /// reference is scored on the same packed batch), so AdamW leaves every weight as it was.
    func testNoSignalLeavesWeightsUnchanged() throws {
        let optimizer = try makeOptimizer(settings(micro: 2, whiten: true))
        let before = optimizer.model.parameters.array
        let statistics = try optimizer.train(samples(optimizer.model, advantages: [0, 0]), shuffleSeed: 1)
        XCTAssertEqual(statistics.steps, 1)
        XCTAssertEqual(statistics.kl, 0)
        XCTAssertEqual(optimizer.model.parameters.array, before)
    }

    /// old log-probs 5 nats below the policy's: mean ratio e⁵ ≈ 148 > 10, so the step is
    /// skipped and the weights stay.
    func testStepWithLargeMeanRatioIsSkipped() throws {
        let optimizer = try makeOptimizer(settings())
        let before = optimizer.model.parameters.array
        let statistics = try optimizer.train(samples(optimizer.model, advantages: [1, -1], oldShift: -5), shuffleSeed: 1)
        XCTAssertEqual(statistics.skippedSteps, 1)
        XCTAssertEqual(statistics.steps, 0)
        XCTAssertEqual(statistics.meanRatio, exp(5), accuracy: 1)
        XCTAssertEqual(optimizer.model.parameters.array, before)
    }

    /// A positive advantage makes its response more likely, a negative one less; the
    /// policy drifts from π_ref (KL > 0 on the next pass). Two micro-batches per step.
    func testAdvantagesMoveLogProbabilities() throws {
        let optimizer = try makeOptimizer(settings(epochs: 3))
        let model = optimizer.model
        let before = try (0..<2).map { try responseLogProbability(model, $0) }
        let first = try optimizer.train(samples(model, advantages: [1, -1]), shuffleSeed: 1)
        XCTAssertEqual(first.steps, 3)
        XCTAssertEqual(first.samples, 2)
        // Over loss tokens: 3 tokens at +1, 4 at −1: mean −1/7, population std sqrt(1 − 1/49).
        XCTAssertEqual(first.advantageMean, -1.0 / 7, accuracy: 1e-9)
        XCTAssertEqual(first.advantageStd, (48.0 / 49).squareRoot(), accuracy: 1e-9)
        let after = try (0..<2).map { try responseLogProbability(model, $0) }
        XCTAssertGreaterThan(after[0], before[0] + 0.1)
        XCTAssertLessThan(after[1], before[1] - 0.1)
        let second = try optimizer.train(samples(model, advantages: [0, 0]), shuffleSeed: 2)
        XCTAssertGreaterThan(second.kl, 0)
        XCTAssertEqual(optimizer.scheduleStep, 6)
    }

    /// The probability mask keeps tokens with π_old < τ only; without it every loss token counts.
    func testProbabilityMask() {
        let old: [Float] = [log(0.95), log(0.5), log(0.89)]
        XCTAssertEqual(
            LossTokens.mask(lossMask: [1, 1, 1], oldLogProbabilities: old, probabilityMask: .init(enabled: true, threshold: 0.9)),
            [false, true, true])
        XCTAssertEqual(
            LossTokens.mask(lossMask: [1, 0, 1], oldLogProbabilities: old, probabilityMask: .init(enabled: false, threshold: 0.9)),
            [true, false, true])
    }

    /// The probability mask removes tokens from the loss, the KL term and the whitening
    /// statistics alike: training with the mask on equals training with it off on samples
    /// whose loss mask already excludes the confident tokens (same weights after two
    /// steps, same KL and advantage statistics), and the statistics are those of the kept
    /// tokens only (worked by hand below).
    func testProbabilityMaskActsOnLossKLAndWhiteningAlike() throws {
        var masked = settings(rate: 1e-2, epochs: 2, batch: 2, micro: 2, whiten: true)
        masked.probabilityMask = ProbabilityMask(enabled: true, threshold: 0.9)
        let plain = settings(rate: 1e-2, epochs: 2, batch: 2, micro: 2, whiten: true)
        let withMask = try makeOptimizer(masked), withoutMask = try makeOptimizer(plain)
        // Per-token advantages, and which tokens are confident (π_old ≥ 0.9).
        let advantages: [[Float]] = [[1, 2, 3], [-1, 4, 0.5, -2]]
        let confident: [[Bool]] = [[false, true, false], [true, false, false, true]]
        func samples(_ model: LlamaModel, excludingConfident: Bool) throws -> [TrainingSample] {
            try sequences.indices.map { s in
                let (prompt, response) = sequences[s]
                let tokens = prompt + response
                let pass = try model.forward(TokenBatch(sequences: [tokens], scoreStarts: [prompt.count]), temperature: 0.6)
                // Confident tokens get π_old = 0.95 (the ratio there is far from 1: if they
                // leaked into the loss, the weights would differ).
                let old = pass.logProbabilities.indices.map { confident[s][$0] ? Float(log(0.95)) : pass.logProbabilities[$0] }
                let mask = confident[s].map { excludingConfident && $0 ? UInt8(0) : 1 }
                let padding = [Float](repeating: 0, count: prompt.count)
                return try TrainingSample(
                    tokens: tokens, promptLength: prompt.count,
                    lossMask: [UInt8](repeating: 0, count: prompt.count) + mask,
                    advantages: padding + advantages[s], oldLogProbs: padding + old)
            }
        }
        let a = try withMask.train(samples(withMask.model, excludingConfident: false), shuffleSeed: 4)
        let b = try withoutMask.train(samples(withoutMask.model, excludingConfident: true), shuffleSeed: 4)
        XCTAssertEqual(withMask.model.parameters.array, withoutMask.model.parameters.array)
        XCTAssertEqual(a.kl, b.kl)
        XCTAssertEqual(a.meanRatio, b.meanRatio)
        // Kept tokens: 1, 3, 4, 0.5 → mean 2.125; squared deviations 1.265625 + 0.765625
        // + 3.515625 + 2.640625 = 8.1875, population variance 2.046875.
        XCTAssertEqual(a.advantageMean, 2.125, accuracy: 1e-6)
        XCTAssertEqual(a.advantageStd, 2.046875.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(a.lossTokenFraction, 4.0 / 7, accuracy: 1e-12)
        XCTAssertGreaterThan(a.kl, 0)
    }

    /// Schedule steps: 4 iterations × 2 epochs × ⌈16 / 8⌉.
    func testTotalSteps() {
        XCTAssertEqual(PolicyOptimizer.totalSteps(iterations: 4, samplesPerIteration: 16, settings: settings(epochs: 2, batch: 8)), 16)
        XCTAssertEqual(PolicyOptimizer.totalSteps(iterations: 1, samplesPerIteration: 10, settings: settings(batch: 4)), 3)
    }
}
