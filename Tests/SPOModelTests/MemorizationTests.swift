import XCTest
@testable import SPOModel

/// End to end: forward, backward, clipping and AdamW together fit a small batch.
final class MemorizationTests: XCTestCase {
    func testTinyModelMemorisesASmallBatch() throws {
        let config = try LlamaConfig(
            hiddenSize: 32, intermediateSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: 16, rmsNormEpsilon: 1e-5, maximumPositions: 32, tieWordEmbeddings: true)
        let model = LlamaModel(config: config, seed: 5)
        let sequences: [[Int32]] = (0..<4).map { s in (0..<12).map { Int32(($0 * (s + 3) + s) % 16) } }
        let batch = try TokenBatch(sequences: sequences)
        let optimizer = try AdamW(parameterCount: model.layout.parameterCount,
                                  configuration: AdamWConfiguration(learningRate: 1e-2))
        let schedule = LearningRateSchedule.warmupFraction(0.03, peak: 1e-2, totalSteps: 150)
        let R = Float(batch.scoredCount)
        var losses: [Float] = []
        for step in 0..<150 {
            model.zeroGradients()
            let pass = try model.forward(batch)
            losses.append(-pass.logProbabilities.reduce(0, +) / R)
            try model.backward(pass, logProbabilityGradients: Array(repeating: -1 / R, count: batch.scoredCount))
            GradientClipping.clip(model.gradients.pointer, count: model.layout.parameterCount, maxNorm: 1)
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                             count: model.layout.parameterCount, learningRate: schedule.rate(atStep: step))
        }
        // Uniform guessing costs ln 16 ≈ 2.77 nats per token; memorised, well under 0.05.
        XCTAssertGreaterThan(losses[0], 2.5)
        XCTAssertLessThan(losses.last!, 0.05, "loss after 150 steps: \(losses.last!)")
    }
}
