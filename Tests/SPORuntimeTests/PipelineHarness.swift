import Foundation
import XCTest
import SPOModel
import SPOTasks
import SPOTraining

/// What the end-to-end pipeline tests share: a scratch directory, a one-step addition
/// task, a starting policy made by a short SFT, and `spo run` as a child process.
struct PipelineHarness {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let directory: URL

    /// A fresh directory under /tmp (short: ipc socket paths must fit 107 bytes).
    init() throws {
        directory = URL(fileURLWithPath: "/tmp/spo-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Deletes the directory.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A one-step addition task ("Tom has 12. Tom gets 8. How many?" → "\n12+8=20\n#### 20").
    func writeTask(trainSize: Int, to url: URL) throws {
        let task: [String: Any] = [
            "seed": 7, "train_size": trainSize, "test_size": 100, "min_steps": 1, "max_steps": 1, "max_value": 40,
            "start_range": ["min": 2, "max": 20], "operations": ["add"], "operand_ranges": ["add": ["min": 1, "max": 20]],
            "names": ["Tom", "Ana", "Sam", "Mia", "Ben", "Eva", "Leo", "Zoe", "Max", "Ivy"],
            "templates": [[
                "opening": "{name} has {a}.", "product_opening": "{name} has {a} bags of {b}.",
                "steps": ["add": ["{name} gets {n}."]], "question": "How many?",
            ]],
        ]
        try JSONSerialization.data(withJSONObject: task, options: [.sortedKeys]).write(to: url)
    }

    /// 200 steps of supervised fine-tuning on the task's solutions; returns the checkpoint.
    func makeStartingPolicy() throws -> URL {
        let taskURL = directory.appendingPathComponent("task-sft.json")
        try writeTask(trainSize: 4000, to: taskURL)
        let tokenizer = try TokenizerLoading.load(
            contentsOf: Self.repository.appendingPathComponent("configs/tokenizers/char.json"))
        let task = TaskSpec(
            source: .arithmetic(config: taskURL.path), promptTemplate: try PromptTemplate(template: "{question}"),
            reward: .gsm8k)
        let binding = TaskBinding(spec: task, tokenizer: tokenizer)
        let problems = try task.load(split: .train, count: 4000, baseDirectory: directory)
        let config = try LlamaConfig(
            hiddenSize: 64, intermediateSize: 192, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: 128, rmsNormEpsilon: 1e-5, maximumPositions: 128, tieWordEmbeddings: true,
            bosTokenID: 1, eosTokenIDs: [2], padTokenID: 0)
        let options = SupervisedTrainingOptions(
            steps: 200, batchSize: 16, schedule: .constant(rate: 3e-3), optimizer: AdamWConfiguration(learningRate: 3e-3),
            seed: 1, checkpointEvery: 200, logEvery: 50)
        let trainer = try SupervisedTrainer(
            model: LlamaModel(config: config, seed: 1), examples: problems.map(binding.supervisedExample),
            options: options, runDirectory: directory.appendingPathComponent("sft"))
        trainer.showProgress = false
        try trainer.run()
        return trainer.checkpointDirectory
    }

    /// Runs `spo run SPEC` from the repository root; returns its exit status and output.
    /// `whileRunning` is called every 50 ms until it exits.
    func runPipeline(_ spec: URL, whileRunning: () throws -> Void = {}) throws -> (status: Int32, output: String) {
        try runSPO(["run", spec.path, "--quiet"]) { _ in try whileRunning() }
    }

    /// Runs `spo ARGUMENTS` from the repository root; returns its exit status and output.
    /// `whileRunning` is called with the process every 50 ms until it exits.
    func runSPO(_ arguments: [String], whileRunning: (Process) throws -> Void = { _ in }) throws -> (status: Int32, output: String) {
        let spo = DriverLocation.buildDirectory.appendingPathComponent("spo")
        guard FileManager.default.isExecutableFile(atPath: spo.path) else {
            throw XCTSkip("no spo executable next to the test bundle at \(spo.path); build the package first")
        }
        let process = Process()
        process.executableURL = spo
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let outputURL = directory.appendingPathComponent("spo-\(UUID().uuidString.prefix(8)).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(600)
        while process.isRunning, Date() < deadline {
            try whileRunning(process)
            Thread.sleep(forTimeInterval: 0.05)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try output.close()
        return (process.terminationStatus, (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "")
    }

}
