import XCTest
@testable import SPOModel

final class ModelCheckpointTests: XCTestCase {
    var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spo-ckpt-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func testRoundTripKeepsParametersOptimizerAndOutputs() throws {
        for tied in [false, true] {
            let model = TestModels.tinyModel(tied: tied)
            let optimizer = try AdamW(parameterCount: model.layout.parameterCount,
                                      configuration: AdamWConfiguration(learningRate: 1e-2))
            let batch = try TokenBatch(sequences: [[1, 2, 3, 4, 5]])
            model.zeroGradients()
            try model.backward(try model.forward(batch), logProbabilityGradients: [1, 1, 1, 1])
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                             count: model.layout.parameterCount, learningRate: 1e-2)
            let target = directory.appendingPathComponent(tied ? "tied" : "untied")
            try ModelCheckpoint.save(model, optimizer: optimizer, trainerState: Data("{\"step\":1}".utf8), to: target)

            let loaded = try ModelCheckpoint.loadModel(from: target)
            XCTAssertEqual(loaded.config, model.config)
            XCTAssertEqual(loaded.parameters.array, model.parameters.array)
            let names = try SafetensorsFile.read(contentsOf: target.appendingPathComponent("model.safetensors")).tensors.keys
            XCTAssertEqual(names.contains("lm_head.weight"), !tied)
            XCTAssertTrue(names.contains("model.layers.1.self_attn.k_proj.weight"))
            XCTAssertEqual(try loaded.forward(batch).logProbabilities, try model.forward(batch).logProbabilities)

            let restored = try AdamW(parameterCount: model.layout.parameterCount,
                                     configuration: AdamWConfiguration(learningRate: 1e-2))
            XCTAssertTrue(try ModelCheckpoint.restoreOptimizer(restored, layout: loaded.layout, from: target))
            XCTAssertEqual(restored.step, 1)
            XCTAssertEqual(Array(restored.secondMoment), Array(optimizer.secondMoment))
            XCTAssertEqual(ModelCheckpoint.trainerState(in: target), Data("{\"step\":1}".utf8))
        }
    }

    func testSavingOverAnExistingCheckpointReplacesIt() throws {
        let first = TestModels.tinyModel(seed: 1), second = TestModels.tinyModel(seed: 2)
        try ModelCheckpoint.save(first, optimizer: nil, to: directory)
        try ModelCheckpoint.save(second, to: directory)
        XCTAssertEqual(try ModelCheckpoint.loadModel(from: directory).parameters.array, second.parameters.array)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.deletingLastPathComponent().path)
            .filter { $0.contains(directory.lastPathComponent) && $0 != directory.lastPathComponent }
        XCTAssertEqual(leftovers, [], "no temporary directories left behind")
    }

    func testCorruptCheckpointsAreRejectedWithTheirName() throws {
        let model = TestModels.tinyModel()
        try ModelCheckpoint.save(model, to: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count / 2).write(to: weights)
        XCTAssertThrowsError(try ModelCheckpoint.loadModel(from: directory)) {
            XCTAssertTrue("\($0)".contains("model.safetensors"), "\($0)")
        }
        // A config whose shape does not match the weights.
        try ModelCheckpoint.save(model, to: directory)
        let configURL = directory.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["intermediate_size"] = 20
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        XCTAssertThrowsError(try ModelCheckpoint.loadModel(from: directory)) {
            XCTAssertTrue("\($0)".contains("gate_proj") && "\($0)".contains("shape"), "\($0)")
        }
        config.removeValue(forKey: "hidden_size")
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        XCTAssertThrowsError(try ModelCheckpoint.loadModel(from: directory)) {
            XCTAssertTrue("\($0)".contains("hidden_size"), "\($0)")
        }
    }
}
