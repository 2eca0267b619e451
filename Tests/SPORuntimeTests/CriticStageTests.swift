import Foundation
import XCTest
import SPOModel
import SPOPipelineSpec
import SPOWire
@testable import SPORuntime

/// PPO's pieces in the stages: critic values per response position, GAE into training
/// samples, critic training on a fixed batch, and the critic saved with each weights version.
final class CriticStageTests: XCTestCase {
    let config = try! LlamaConfig(
        hiddenSize: 16, intermediateSize: 32, layerCount: 2, headCount: 2, vocabularySize: 12,
        rmsNormEpsilon: 1e-5, maximumPositions: 32, tieWordEmbeddings: true)

    func settings(rate: Double = 1e-2, epochs: Int = 2, batch: Int = 2, micro: Int = 1) -> OptimizeSettings {
        OptimizeSettings(
            clipEpsilon: 0.2, logRatioClamp: 10, probabilityMask: ProbabilityMask(enabled: false, threshold: 0.9),
            kl: KLPenalty(beta: 1e-4, estimator: .k3), epochs: epochs, batchSize: batch, microBatchSize: micro,
            learningRate: .constant(rate: rate),
            adamw: AdamWSettings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0),
            maxGradientNorm: 1, skipRatioAbove: 10, whitenAdvantages: true,
            valueLoss: ValueLoss(coefficient: 0.5, clip: 0.2), maxStaleness: 0, replay: nil)
    }

    /// A critic from a seeded policy with a non-zero head, so that values depend on the state.
    func makeCritic() -> Critic {
        let critic = Critic(initializingFrom: LlamaModel(config: config, seed: 5))
        let D = critic.head.hiddenSize
        for i in 0..<D { critic.head.parameters.pointer[i] = 0.2 * Float(i % 5) - 0.3 }
        critic.head.parameters.pointer[D] = 0.1
        return critic
    }

    func valued(response: [Int32], tokenMask: [UInt8], reward: Double, tokenValues: [Float]?) throws -> ValuedRollout {
        let rollout = try Rollout(
            promptID: "p", groupID: "p@0", sampleIndex: 0, promptTokens: [1, 2], responseTokens: response,
            logProbs: [Float](repeating: -1, count: response.count), reward: reward, stopReason: .eos, temperature: 0.6)
        let segmented = try SegmentedRollout(
            rollout: rollout, boundaries: [0, Int32(response.count)], tokenMask: tokenMask, firstCreditedSegment: 0)
        return try ValuedRollout(
            segmented: segmented, boundaryValues: [Float](), rolloutCounts: [Int32](), tokensSpent: 0, tokenValues: tokenValues)
    }

    /// V = [0.2, 0.5, 0.9], reward 1, γ = λ = 1: A = 1 − V = [0.8, 0.5, 0.1], G = [1, 1, 1];
    /// reward 0 (as a truncated response has): A = −V, G = 0. In the sample, the prompt's
    /// two positions and the masked third response token carry 0.
    func testGAEIntoTrainingSample() throws {
        let member = try valued(response: [5, 6, 7], tokenMask: [1, 1, 0], reward: 1, tokenValues: [0.2, 0.5, 0.9])
        let (values, estimate) = try XCTUnwrap(GAE.estimate(member, gamma: 1, lambda: 1))
        XCTAssertEqual(values, [0.2, 0.5, 0.9])
        assertClose(estimate.advantages, [0.8, 0.5, 0.1])
        assertClose(estimate.returns, [1, 1, 1])
        let sample = try TrainingSampleLayout.sample(
            rollout: member.segmented.rollout, tokenMask: [1, 1, 0], advantages: estimate.advantages,
            valueTargets: (values, estimate.returns))
        assertClose(sample.advantages.floatValues, [0, 0, 0.8, 0.5, 0])
        assertClose(try XCTUnwrap(sample.valueTargets).oldValues.floatValues, [0, 0, 0.2, 0.5, 0])
        assertClose(try XCTUnwrap(sample.valueTargets).returns.floatValues, [0, 0, 1, 1, 0])

        let failed = try valued(response: [5, 6, 7], tokenMask: [1, 1, 1], reward: 0, tokenValues: [0.2, 0.5, 0.9])
        let zero = try XCTUnwrap(GAE.estimate(failed, gamma: 1, lambda: 1)).estimate
        assertClose(zero.advantages, [-0.2, -0.5, -0.9])
        assertClose(zero.returns, [0, 0, 0])
        XCTAssertNil(GAE.estimate(try valued(response: [5], tokenMask: [1], reward: 1, tokenValues: nil), gamma: 1, lambda: 1))
    }

    /// values[t] is V of the state before response token t: the same as the critic's value at
    /// the last position of prompt + response[0..<t] scored alone (a different packing), so
    /// responses sharing their first two tokens share their first two values whatever
    /// follows. Passes of 1, 2 or 3 sequences agree.
    func testCriticValuesAreOfTheStateBeforeEachToken() throws {
        let critic = makeCritic()
        let requests = [
            CriticValues.Request(prompt: [1, 4], response: [5, 6, 7]),
            CriticValues.Request(prompt: [1, 4], response: [5, 8, 9]),
            CriticValues.Request(prompt: [2], response: [3, 3]),
        ]
        let values = try CriticValues.values(requests, critic: critic, sequencesPerPass: 2)
        XCTAssertEqual(values.map(\.count), [3, 3, 2])
        for (request, row) in zip(requests, values) {
            for t in request.response.indices {
                let prefix = request.prompt + request.response[..<t]
                let alone = try critic.values(for: TokenBatch(sequences: [prefix + [0]], scoreStarts: [prefix.count]))
                XCTAssertEqual(row[t], alone[0], accuracy: 1e-5)
            }
        }
        XCTAssertEqual(values[0][0], values[1][0], accuracy: 1e-5)
        XCTAssertEqual(values[0][1], values[1][1], accuracy: 1e-5)
        XCTAssertNotEqual(values[0][2], values[1][2])
        for perPass in [1, 3] {
            let other = try CriticValues.values(requests, critic: critic, sequencesPerPass: perPass)
            for (a, b) in zip(values, other) { assertClose(a, b, accuracy: 1e-5) }
        }
    }

    let sequences: [(prompt: [Int32], response: [Int32], returns: [Float])] = [
        ([1, 4, 5], [6, 7, 2], [1, 1, 1]), ([1, 8], [9, 3, 10, 2], [0, 0, 0, 0]),
    ]

    /// Samples of `sequences` with the given old values per response token.
    func samples(oldValues: [[Float]]) throws -> [TrainingSample] {
        try zip(sequences, oldValues).map { sequence, old in
            let P = sequence.prompt.count, padding = [Float](repeating: 0, count: P)
            return try TrainingSample(
                tokens: sequence.prompt + sequence.response, promptLength: P,
                lossMask: [UInt8](repeating: 0, count: P) + [UInt8](repeating: 1, count: sequence.response.count),
                advantages: padding + sequence.returns, oldLogProbs: padding + [Float](repeating: -1, count: sequence.response.count),
                valueTargets: ValueTargets(oldValues: padding + old, returns: padding + sequence.returns))
        }
    }

    func currentValues(_ critic: Critic) throws -> [[Float]] {
        try CriticValues.values(
            sequences.map { CriticValues.Request(prompt: $0.prompt, response: $0.response) }, critic: critic, sequencesPerPass: 2)
    }

    /// Mean over the 7 response tokens of (V − G)².
    func meanSquaredError(_ values: [[Float]]) -> Double {
        let errors = zip(values, sequences).flatMap { row, sequence in zip(row, sequence.returns).map { Double($0 - $1) } }
        return errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)
    }

    /// A fresh critic (zero head: V = 0, so the error starts at mean G² = 3/7) trained round
    /// after round on the same two sequences, each round's old values being the critic's
    /// own (as the value stage sends them): its values approach the returns (error below a
    /// fifth of the start), the value loss falls, and the first round explains none of the
    /// returns' variance (V_old = 0: 1 − Var(G − 0)/Var(G) = 0).
    func testTrainingMovesValuesTowardReturns() throws {
        let trainer = try CriticTrainer(
            critic: Critic(initializingFrom: LlamaModel(config: config, seed: 5)), settings: settings(), totalSteps: 100)
        var errors: [Double] = [], losses: [Double] = [], explained: [Double?] = []
        for round in 0..<10 {
            let old = try currentValues(trainer.critic)
            errors.append(meanSquaredError(old))
            let statistics = try trainer.train(samples(oldValues: old), shuffleSeed: UInt64(round))
            XCTAssertEqual(statistics.steps, 2)
            losses.append(statistics.valueLoss)
            explained.append(statistics.explainedVariance)
        }
        XCTAssertEqual(errors[0], 3.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(explained[0] ?? .nan, 0, accuracy: 1e-12)
        let final = meanSquaredError(try currentValues(trainer.critic))
        XCTAssertLessThan(final, errors[0] / 5, "error by round: \(errors)")
        XCTAssertLessThan(losses.last!, losses.first! / 5, "value loss by round: \(losses)")
        XCTAssertGreaterThan(explained.last! ?? .nan, 0.5)
        XCTAssertEqual(trainer.scheduleStep, 20)
        XCTAssertEqual(trainer.optimizer.step, 20)
    }

    /// G = [1, 1], [0, 0] and V_old = [1, 0.5], [0, 0.5]: G − V_old = [0, 0.5, 0, −0.5] has
    /// population variance 0.125, G has 0.25, so 1 − 0.125/0.25 = 0.5 of it is explained.
    func testExplainedVarianceOfOldValuesByHand() throws {
        let trainer = try CriticTrainer(critic: makeCritic(), settings: settings(epochs: 1), totalSteps: 10)
        let make = { (returns: [Float], old: [Float]) in
            try TrainingSample(
                tokens: [1, 5, 6], promptLength: 1, lossMask: [0, 1, 1], advantages: [0, 0, 0], oldLogProbs: [0, -1, -1],
                valueTargets: ValueTargets(oldValues: [0] + old, returns: [0] + returns))
        }
        let statistics = try trainer.train([make([1, 1], [1, 0.5]), make([0, 0], [0, 0.5])], shuffleSeed: 1)
        XCTAssertEqual(statistics.explainedVariance ?? .nan, 0.5, accuracy: 1e-7)
        XCTAssertThrowsError(try trainer.train(
            [TrainingSample(tokens: [1, 5], promptLength: 1, lossMask: [0, 1], advantages: [0, 1], oldLogProbs: [0, -1])],
            shuffleSeed: 1))
    }

    /// Each epoch visits every sample once, in batches of `batch_size` (the last shorter).
    func testMinibatchesCoverEverySampleOncePerEpoch() {
        let batches = settings(epochs: 2, batch: 2).minibatches(sampleCount: 5, shuffleSeed: 9)
        XCTAssertEqual(batches.map(\.count), [2, 2, 1, 2, 2, 1])
        XCTAssertEqual(batches[0..<3].joined().sorted(), [0, 1, 2, 3, 4])
        XCTAssertEqual(batches[3..<6].joined().sorted(), [0, 1, 2, 3, 4])
    }

    /// The critic is saved in `critic/` of its weights version, loaded by the value stage
    /// from the announcement, and restored with its AdamW state by the optimize stage.
    func testCriticSavedWithEachVersionAndRestored() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("critic-store-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = LlamaModel(config: config, seed: 5)
        let trainer = try CriticTrainer(critic: Critic(initializingFrom: policy), settings: settings(), totalSteps: 10)
        _ = try trainer.train(samples(oldValues: [[0, 0, 0], [0, 0, 0, 0]]), shuffleSeed: 3)
        let store = WeightsStore(runDirectory: directory)
        let announcement = try store.save(
            policy, optimizer: nil, critic: (trainer.critic, trainer.optimizer), state: .init(version: 1, iteration: 1, step: 2))
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.criticDirectory(1).appendingPathComponent("model.safetensors").path))

        let loaded = try WeightsStore.loadCritic(announcement)
        XCTAssertEqual(loaded.model.parameters.array, trainer.critic.model.parameters.array)
        XCTAssertEqual(loaded.head.parameters.array, trainer.critic.head.parameters.array)
        XCTAssertNotEqual(loaded.head.parameters.array, [Float](repeating: 0, count: loaded.head.parameterCount))

        let spec = try PipelineSpec.resolve(
            contentsOf: PipelineEndToEndTests.repository.appendingPathComponent("pipelines/tiny/ppo.json"))
        let restored = try XCTUnwrap(CriticTrainer.forRun(
            spec, policy: policy, totalSteps: 10, resumingFrom: store.criticDirectory(1), scheduleStep: 2))
        XCTAssertEqual(restored.critic.head.parameters.array, trainer.critic.head.parameters.array)
        XCTAssertEqual(restored.optimizer.step, 2)
        XCTAssertEqual(restored.scheduleStep, 2)
        XCTAssertEqual(Array(restored.optimizer.head.secondMoment), Array(trainer.optimizer.head.secondMoment))
        let fresh = try XCTUnwrap(CriticTrainer.forRun(spec, policy: policy, totalSteps: 10, resumingFrom: nil, scheduleStep: 0))
        XCTAssertEqual(fresh.critic.model.parameters.array, policy.parameters.array)
        XCTAssertEqual(fresh.critic.head.parameters.array, [Float](repeating: 0, count: fresh.critic.head.parameterCount))
        XCTAssertNil(try CriticTrainer.forRun(
            PipelineSpec.resolve(contentsOf: PipelineEndToEndTests.repository.appendingPathComponent("pipelines/tiny/grpo.json")),
            policy: policy, totalSteps: 10, resumingFrom: nil, scheduleStep: 0))
    }

    func assertClose(_ a: [Float], _ b: [Float], accuracy: Float = 1e-6, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
    }
}
