import XCTest
@testable import SPOModel

/// Whole-model gradients against central finite differences of the Double reference model.
///
/// Loss L = Σ_r w_r · log π(target_r) with fixed weights w. For each parameter tensor a few
/// elements θ_i are checked: (L(θ + εe_i) − L(θ − εe_i)) / 2ε with ε = 1e-4 in Double, against
/// the engine's float32 gradient. Bound: |analytic − fd| ≤ 2e-3 · max(|fd|, 1e-2).
final class ModelGradientTests: XCTestCase {
    func checkGradients(tied: Bool, temperature: Float) throws {
        let model = TestModels.tinyModel(tied: tied, seed: 11)
        let sequences: [[Int32]] = [[1, 5, 9, 3, 3, 7, 10, 4], [2, 4, 6], [0, 8, 6, 5, 1]]
        let starts = [2, 1, 3]
        let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
        let weights: [Float] = (0..<batch.scoredCount).map { Float(($0 * 7) % 5) - 1.7 }
        model.zeroGradients()
        let pass = try model.forward(batch, temperature: temperature)
        try model.backward(pass, logProbabilityGradients: weights)
        let gradient = model.gradients.array

        var naive = NaiveLlama(model: model)
        func loss(_ n: NaiveLlama) -> Double {
            var total = 0.0, r = 0
            for (s, sequence) in sequences.enumerated() {
                for lp in n.logProbabilities(sequence, scoreStart: starts[s], temperature: Double(temperature)) {
                    total += Double(weights[r]) * lp; r += 1
                }
            }
            return total
        }
        let epsilon = 1e-4
        var checked = 0
        for tensor in model.layout.tensors {
            // Elements spread over the tensor, including the rows of tokens that occur.
            let picks = Set([0, tensor.count / 3, (2 * tensor.count) / 3 + 1, tensor.count - 1, 5 * 16 + 3]
                .filter { $0 < tensor.count })
            for i in picks {
                let original = naive.tensors[tensor.name]![i]
                let tiedHead = tied && tensor.name == "model.embed_tokens.weight"
                func set(_ value: Double) {
                    naive.tensors[tensor.name]![i] = value
                    if tiedHead { naive.tensors["lm_head.weight"]![i] = value }
                }
                set(original + epsilon); let plus = loss(naive)
                set(original - epsilon); let minus = loss(naive)
                set(original)
                let fd = (plus - minus) / (2 * epsilon)
                let analytic = Double(gradient[tensor.offset + i])
                XCTAssertLessThanOrEqual(abs(analytic - fd), 2e-3 * max(abs(fd), 1e-2),
                                         "\(tensor.name)[\(i)]: analytic \(analytic) vs finite difference \(fd)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 80)
    }

    func testGradientsUntiedMatchFiniteDifferences() throws { try checkGradients(tied: false, temperature: 1) }
    func testGradientsTiedMatchFiniteDifferences() throws { try checkGradients(tied: true, temperature: 0.6) }

    func testGradientsAccumulateAcrossBackwardCalls() throws {
        let model = TestModels.tinyModel()
        let batch = try TokenBatch(sequences: [[1, 2, 3, 4]])
        model.zeroGradients()
        try model.backward(try model.forward(batch), logProbabilityGradients: [1, 1, 1])
        let once = model.gradients.array
        try model.backward(try model.forward(batch), logProbabilityGradients: [1, 1, 1])
        let twice = model.gradients.array
        for i in stride(from: 0, to: once.count, by: 37) {
            XCTAssertEqual(twice[i], 2 * once[i], accuracy: 1e-5 * max(1, abs(once[i])))
        }
        let stale = try model.forward(batch)
        _ = try model.forward(batch)
        XCTAssertThrowsError(try model.backward(stale, logProbabilityGradients: [1, 1, 1]))
    }
}
