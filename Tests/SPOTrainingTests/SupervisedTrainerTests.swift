import Foundation
import XCTest
@testable import SPOModel
@testable import SPOTraining

final class SupervisedTrainerTests: XCTestCase {
    var directory: URL!
    override func setUp() { directory = FileManager.default.temporaryDirectory.appendingPathComponent("spo-sft-\(UUID().uuidString)") }
    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func makeModel() -> LlamaModel {
        let config = try! LlamaConfig(hiddenSize: 16, intermediateSize: 32, layerCount: 2, headCount: 2,
                                      vocabularySize: 12, rmsNormEpsilon: 1e-5, maximumPositions: 32, tieWordEmbeddings: true)
        return LlamaModel(config: config, seed: 4)
    }

    /// Examples: prompt [a], response [a+1, a+2, a+3] (mod 10) + [11] — a learnable pattern.
    let examples: [SupervisedExample] = (0..<10).map { (a: Int) -> SupervisedExample in
        let response: [Int32] = [1, 2, 3].map { Int32((a + $0) % 10) } + [11]
        return SupervisedExample(prompt: [10, Int32(a)], response: response)
    }

    func options(steps: Int) -> SupervisedTrainingOptions {
        SupervisedTrainingOptions(steps: steps, batchSize: 4, schedule: .warmupFraction(0.1, peak: 3e-2, totalSteps: 60),
                                  optimizer: AdamWConfiguration(learningRate: 3e-2), seed: 9, checkpointEvery: 5, logEvery: 5)
    }

    func testLossFallsAndOnlyResponseTokensAreTrained() throws {
        let trainer = try SupervisedTrainer(model: makeModel(), examples: examples, options: options(steps: 60),
                                            runDirectory: directory)
        trainer.showProgress = false
        let summary = try trainer.run()
        // Response tokens: ln 12 ≈ 2.48 nats at random init; the pattern is deterministic.
        XCTAssertLessThan(summary.finalLoss, 0.3)
        let lines = try String(contentsOf: trainer.metricsURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 12)
        // Prompt tokens are not trained: the first prompt token (10) stays unpredictable.
        let pass = try trainer.model.forward(try TokenBatch(sequences: [[3, 10, 5]], scoreStarts: [1]))
        XCTAssertLessThan(pass.logProbabilities[0], log(0.5))
    }

    func testResumeFromCheckpointIsExact() throws {
        let straight = try SupervisedTrainer(model: makeModel(), examples: examples, options: options(steps: 10),
                                             runDirectory: directory.appendingPathComponent("a"))
        straight.showProgress = false
        try straight.run()

        let interrupted = try SupervisedTrainer(model: makeModel(), examples: examples, options: options(steps: 5),
                                                runDirectory: directory.appendingPathComponent("b"))
        interrupted.showProgress = false
        try interrupted.run()
        let resumed = try SupervisedTrainer(model: makeModel(), examples: examples, options: options(steps: 10),
                                            runDirectory: directory.appendingPathComponent("b"))
        resumed.showProgress = false
        try resumed.resume()
        XCTAssertEqual(resumed.completedSteps, 5)
        try resumed.run()
        XCTAssertEqual(resumed.model.parameters.array, straight.model.parameters.array)
        XCTAssertEqual(resumed.optimizer.step, 10)
        let lines = try String(contentsOf: resumed.metricsURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "one line per 5 steps, none duplicated")
    }

    func testBadOptionsAreRejected() {
        XCTAssertThrowsError(try JSONDecoder().decode(SupervisedTrainingOptions.self, from: Data(#"{"steps": 0, "batch_size": 2, "schedule": {"kind": "constant", "rate": 0.1}, "optimizer": {"learning_rate": 0.1}, "seed": 1}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("steps"), "\($0)")
        }
    }
}
