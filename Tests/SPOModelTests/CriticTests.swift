import XCTest
@testable import SPOModel

/// The critic (transformer + value head) against the Double reference model: values,
/// whole-critic gradients by central finite differences, the shared backward entry, clipping,
/// and checkpoints.
final class CriticTests: XCTestCase {
    let sequences: [[Int32]] = [[1, 5, 9, 3, 3, 7, 10, 4], [2, 4, 6], [0, 8, 6, 5, 1]]
    let starts = [2, 1, 3]

    /// A critic copied from the tiny test model, with a non-zero head so every part matters.
    func makeCritic(tied: Bool) -> Critic {
        let critic = Critic(initializingFrom: TestModels.tinyModel(tied: tied, seed: 11))
        let D = critic.head.hiddenSize
        for i in 0..<D { critic.head.parameters.pointer[i] = 0.15 * Float(i % 7) - 0.4 }
        critic.head.parameters.pointer[D] = 0.25
        return critic
    }

    /// v_t = w · RMSNorm(x_L)_{t−1} + b from the naive model, for the scored tokens of each sequence.
    func naiveValues(_ naive: NaiveLlama, weight: [Double], bias: Double) -> [Double] {
        var values: [Double] = []
        for (s, sequence) in sequences.enumerated() {
            let hidden = naive.finalHidden(sequence)
            for t in starts[s]..<sequence.count {
                values.append(zip(weight, hidden[t - 1]).reduce(bias) { $0 + $1.0 * $1.1 })
            }
        }
        return values
    }

    func testValuesMatchNaiveReference() throws {
        for tied in [false, true] {
            let critic = makeCritic(tied: tied)
            let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
            let values = try critic.values(for: batch)
            let expected = naiveValues(NaiveLlama(model: critic.model),
                                       weight: critic.head.weight.map(Double.init), bias: Double(critic.head.bias))
            XCTAssertEqual(values.count, expected.count)
            for (value, reference) in zip(values, expected) {
                XCTAssertEqual(Double(value), reference, accuracy: 1e-5, "tied \(tied)")
            }
        }
    }

    func testZeroHeadStartsAtZeroAndCopiesThePolicy() throws {
        let policy = TestModels.tinyModel()
        let critic = Critic(initializingFrom: policy)
        XCTAssertEqual(critic.parameterCount, policy.layout.parameterCount + 17)
        XCTAssertEqual(try critic.values(for: try TokenBatch(sequences: [[1, 2, 3]])), [0, 0])
        XCTAssertEqual(critic.model.parameters.array, policy.parameters.array)
        critic.model.parameters.pointer[0] += 1
        XCTAssertNotEqual(critic.model.parameters.pointer[0], policy.parameters.pointer[0], "the critic owns a copy")
    }

    /// L = Σ_r ½ (v_r − y_r)², so ∂L/∂v_r = v_r − y_r; bound as in ModelGradientTests:
    /// |analytic − fd| ≤ 2e-3 · max(|fd|, 1e-2), fd = (L(θ+ε) − L(θ−ε)) / 2ε, ε = 1e-4 in Double.
    func checkGradients(tied: Bool) throws {
        let critic = makeCritic(tied: tied)
        let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
        let targets: [Double] = (0..<batch.scoredCount).map { Double(($0 * 3) % 4) * 0.5 - 0.6 }
        critic.zeroGradients()
        let pass = try critic.forward(batch)
        try critic.backward(pass, valueGradients: zip(pass.values, targets).map { Float(Double($0) - $1) })
        let transformerGradient = critic.model.gradients.array, headGradient = critic.head.gradients.array

        var naive = NaiveLlama(model: critic.model)
        var weight = critic.head.weight.map(Double.init), bias = Double(critic.head.bias)
        func loss() -> Double {
            zip(naiveValues(naive, weight: weight, bias: bias), targets).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        let epsilon = 1e-4
        func check(_ analytic: Float, _ label: String, nudge: (Double) -> Void) {
            nudge(epsilon); let plus = loss()
            nudge(-2 * epsilon); let minus = loss()
            nudge(epsilon)
            let fd = (plus - minus) / (2 * epsilon)
            XCTAssertLessThanOrEqual(abs(Double(analytic) - fd), 2e-3 * max(abs(fd), 1e-2),
                                     "\(label): analytic \(analytic) vs finite difference \(fd)")
        }
        var checked = 0
        for tensor in critic.model.layout.tensors {
            let picks = Set([0, tensor.count / 3, (2 * tensor.count) / 3 + 1, tensor.count - 1, 5 * 16 + 3]
                .filter { $0 < tensor.count })
            for i in picks {
                let tiedHead = tied && tensor.name == "model.embed_tokens.weight"
                check(transformerGradient[tensor.offset + i], "\(tensor.name)[\(i)]") { step in
                    naive.tensors[tensor.name]![i] += step
                    if tiedHead { naive.tensors["lm_head.weight"]![i] += step }
                }
                checked += 1
            }
            if tensor.name == "lm_head.weight" {
                XCTAssertTrue(transformerGradient[tensor.offset..<tensor.offset + tensor.count].allSatisfy { $0 == 0 },
                              "the critic never reads the LM head")
            }
        }
        for i in weight.indices {
            check(headGradient[i], "value_head.weight[\(i)]") { weight[i] += $0 }
        }
        check(headGradient[weight.count], "value_head.bias") { bias += $0 }
        XCTAssertGreaterThan(checked, 80)
    }

    func testGradientsUntiedMatchFiniteDifferences() throws { try checkGradients(tied: false) }
    func testGradientsTiedMatchFiniteDifferences() throws { try checkGradients(tied: true) }

    /// The backward is linear in its inputs: log-prob and final-hidden gradients together
    /// give the sum of each alone; the log-prob-only call is bit-identical to the old entry.
    func testCombinedBackwardIsTheSumOfItsParts() throws {
        let model = TestModels.tinyModel(seed: 5)
        let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
        let R = batch.scoredCount, D = model.config.hiddenSize
        let logProbabilityGradients: [Float] = (0..<R).map { Float(($0 * 5) % 3) - 0.8 }
        let hiddenGradients: [Float] = (0..<R * D).map { Float(($0 * 7) % 11) * 0.1 - 0.5 }
        func gradient(_ body: (ForwardPass) throws -> Void) throws -> [Float] {
            model.zeroGradients()
            try body(try model.forward(batch))
            return model.gradients.array
        }
        let policyOnly = try gradient { try model.backward($0, logProbabilityGradients: logProbabilityGradients) }
        let policyNewEntry = try gradient {
            try model.backward($0, logProbabilityGradients: logProbabilityGradients, finalHiddenGradients: nil)
        }
        XCTAssertEqual(policyOnly, policyNewEntry)
        let hiddenOnly = try gradient { try model.backward($0, logProbabilityGradients: nil, finalHiddenGradients: hiddenGradients) }
        let both = try gradient {
            try model.backward($0, logProbabilityGradients: logProbabilityGradients, finalHiddenGradients: hiddenGradients)
        }
        for i in both.indices {
            XCTAssertEqual(both[i], policyOnly[i] + hiddenOnly[i], accuracy: 1e-5 * max(1, abs(both[i])), "parameter \(i)")
        }
        let head = model.layout.tensors.first { $0.name == "lm_head.weight" }!
        XCTAssertTrue(hiddenOnly[head.offset..<head.offset + head.count].allSatisfy { $0 == 0 })
        XCTAssertTrue(try gradient { _ in }.allSatisfy { $0 == 0 })
    }

    func testHiddenOnlyForwardKeepsTheFinalHiddenState() throws {
        let model = TestModels.tinyModel()
        let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
        let full = try model.finalHidden(of: try model.forward(batch))
        let pass = try model.forward(batch, computingLogProbabilities: false)
        XCTAssertFalse(pass.hasLogProbabilities)
        XCTAssertEqual(try model.finalHidden(of: pass), full)
        let naive = NaiveLlama(model: model)
        var r = 0
        for (s, sequence) in sequences.enumerated() {
            let hidden = naive.finalHidden(sequence)
            for t in starts[s]..<sequence.count {
                for i in 0..<16 { XCTAssertEqual(Double(full[r * 16 + i]), hidden[t - 1][i], accuracy: 1e-5) }
                r += 1
            }
        }
        XCTAssertThrowsError(try model.backward(pass, logProbabilityGradients: [Float](repeating: 1, count: r)))
        _ = try model.forward(batch)
        XCTAssertThrowsError(try model.finalHidden(of: pass), "stale pass")
    }

    func testClippingUsesOneNormOverTransformerAndHead() {
        let critic = Critic(initializingFrom: TestModels.tinyModel())
        critic.zeroGradients()
        critic.model.gradients.pointer[10] = 3
        critic.head.gradients.pointer[16] = 4
        XCTAssertEqual(critic.clipGradients(maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(critic.model.gradients.pointer[10], 0.6, accuracy: 1e-6)
        XCTAssertEqual(critic.head.gradients.pointer[16], 0.8, accuracy: 1e-6)
        XCTAssertEqual(critic.clipGradients(maxNorm: 2), 1, accuracy: 1e-6, "under the bound: unchanged")
        XCTAssertEqual(critic.head.gradients.pointer[16], 0.8, accuracy: 1e-6)
    }

    /// A few AdamW steps on ½ (v − 1)² bring every value towards 1.
    func testTrainingMovesValuesToTheTarget() throws {
        let critic = Critic(initializingFrom: TestModels.tinyModel())
        let optimizer = try CriticOptimizer(critic: critic, configuration: AdamWConfiguration(learningRate: 0.05))
        let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
        func meanSquaredError() throws -> Float {
            try critic.values(for: batch).reduce(0) { $0 + ($1 - 1) * ($1 - 1) } / Float(batch.scoredCount)
        }
        XCTAssertEqual(try meanSquaredError(), 1)
        for _ in 0..<30 {
            critic.zeroGradients()
            let pass = try critic.forward(batch)
            try critic.backward(pass, valueGradients: pass.values.map { $0 - 1 })
            critic.clipGradients(maxNorm: 1)
            optimizer.update(critic, learningRate: 0.05)
        }
        XCTAssertEqual(optimizer.step, 30)
        XCTAssertLessThan(try meanSquaredError(), 0.05)
    }
}
