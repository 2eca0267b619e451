import XCTest
@testable import SPOModel

final class CriticCheckpointTests: XCTestCase {
    var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spo-critic-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func testRoundTripKeepsTransformerHeadOptimizerAndValues() throws {
        for tied in [false, true] {
            let critic = Critic(initializingFrom: TestModels.tinyModel(tied: tied))
            let optimizer = try CriticOptimizer(critic: critic, configuration: AdamWConfiguration(learningRate: 1e-2))
            let batch = try TokenBatch(sequences: [[1, 2, 3, 4, 5]])
            for _ in 0..<2 {
                critic.zeroGradients()
                let pass = try critic.forward(batch)
                try critic.backward(pass, valueGradients: pass.values.map { $0 - 1 })
                optimizer.update(critic, learningRate: 1e-2)
            }
            let target = directory.appendingPathComponent(tied ? "tied" : "untied")
            try critic.save(to: target, optimizer: optimizer, trainerState: Data("{}".utf8))

            let loaded = try Critic.load(from: target)
            XCTAssertEqual(loaded.model.config, critic.model.config)
            XCTAssertEqual(loaded.model.parameters.array, critic.model.parameters.array)
            XCTAssertEqual(loaded.head.parameters.array, critic.head.parameters.array)
            XCTAssertNotEqual(loaded.head.bias, 0, "the steps moved the head")
            XCTAssertEqual(try loaded.values(for: batch), try critic.values(for: batch))

            let file = try SafetensorsFile.read(contentsOf: target.appendingPathComponent("model.safetensors"))
            XCTAssertEqual(file.tensors["value_head.weight"]?.shape, [1, 16])
            XCTAssertEqual(file.tensors["value_head.bias"]?.shape, [1])
            XCTAssertEqual(file.tensors.keys.contains("lm_head.weight"), !tied)
            XCTAssertEqual(try ModelCheckpoint.loadModel(from: target).parameters.array, critic.model.parameters.array,
                           "a critic checkpoint opens as a plain Llama")

            let restored = try CriticOptimizer(critic: loaded, configuration: AdamWConfiguration(learningRate: 1e-2))
            XCTAssertTrue(try restored.restore(for: loaded, from: target))
            XCTAssertEqual(restored.step, 2)
            XCTAssertEqual(restored.head.step, 2)
            XCTAssertEqual(Array(restored.head.firstMoment), Array(optimizer.head.firstMoment))
            XCTAssertEqual(Array(restored.head.secondMoment), Array(optimizer.head.secondMoment))
            XCTAssertEqual(Array(restored.transformer.secondMoment), Array(optimizer.transformer.secondMoment))
        }
    }

    func testWithoutOptimizerFileRestoreReportsFalse() throws {
        let critic = Critic(initializingFrom: TestModels.tinyModel())
        try critic.save(to: directory)
        let optimizer = try CriticOptimizer(critic: critic, configuration: AdamWConfiguration(learningRate: 1e-2))
        XCTAssertFalse(try optimizer.restore(for: critic, from: directory))
        XCTAssertEqual(optimizer.step, 0)
    }

    func testPlainModelCheckpointIsNotACritic() throws {
        try ModelCheckpoint.save(TestModels.tinyModel(), to: directory)
        XCTAssertThrowsError(try Critic.load(from: directory)) {
            XCTAssertTrue("\($0)".contains("value_head.weight") && "\($0)".contains("model.safetensors"), "\($0)")
        }
    }
}
