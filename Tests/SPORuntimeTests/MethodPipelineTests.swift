import Foundation
import XCTest

/// Each method's tiny pipeline (`pipelines/tiny/<method>.json`) run as separate processes
/// from the same SFT starting policy and task as `PipelineEndToEndTests` (8 training
/// prompts of one-step addition, 8 samples each, 24 tokens): the training reward rises,
/// and every iteration trains on what its method sends. The overrides keep each method's
/// credit assignment (partition, value, advantage, probability mask) and change only
/// scale: model, task, iterations, sampling, batch and learning rate.
///
/// Runs are deterministic for their seed; assertions are margins on the mean reward of
/// the last four iterations against the first four.
final class MethodPipelineTests: XCTestCase {
    var harness: PipelineHarness!

    override func setUpWithError() throws {
        harness = try PipelineHarness()
    }

    override func tearDownWithError() throws {
        harness.remove()
    }

    /// Runs the tiny spec of `method` with the scale overrides and `extra` top-level
    /// overrides; returns the metrics records.
    func run(method: String, iterations: Int = 16, extra: [String: Any] = [:]) throws -> [[String: Any]] {
        let checkpoint = try harness.makeStartingPolicy()
        let taskURL = harness.directory.appendingPathComponent("task-rl.json")
        try harness.writeTask(trainSize: 8, to: taskURL)
        let tiny = PipelineHarness.repository.appendingPathComponent("pipelines/tiny/\(method).json")
        var spec = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: tiny)) as? [String: Any])
        let run = harness.directory.appendingPathComponent("run")
        spec["run_directory"] = run.path
        spec["model"] = ["checkpoint": checkpoint.path]
        spec["task"] = ["kind": "arithmetic", "config": taskURL.path, "reward": "gsm8k", "prompt_template": "{question}"]
        spec["iterations"] = iterations
        var sampling = spec["sampling"] as? [String: Any] ?? [:]
        sampling["max_tokens"] = 24
        sampling["prompts_per_iteration"] = 8
        if sampling["samples_per_prompt"] != nil { sampling["samples_per_prompt"] = 8 }
        spec["sampling"] = sampling
        var optimize = spec["optimize"] as? [String: Any] ?? [:]
        optimize["epochs"] = 1
        optimize["batch_size"] = 16
        optimize["micro_batch_size"] = 16
        optimize["learning_rate"] = ["kind": "constant", "rate": 3e-4]
        spec["optimize"] = optimize
        for (key, value) in extra { spec[key] = value }
        let url = harness.directory.appendingPathComponent("\(method).json")
        try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        let (status, output) = try harness.runPipeline(url)
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(records.count, iterations)
        return records
    }

    func assertRewardRises(_ records: [[String: Any]], by margin: Double, file: StaticString = #filePath, line: UInt = #line) {
        let rewards = records.map { ($0["reward_mean"] as? Double) ?? .nan }
        let first = rewards.prefix(4).reduce(0, +) / 4, last = rewards.suffix(4).reduce(0, +) / 4
        print(String(format: "reward, first four → last four iterations: %.3f → %.3f; by iteration: ", first, last)
              + rewards.map { String(format: "%.3f", $0) }.joined(separator: " "))
        XCTAssertGreaterThan(last, first + margin, "reward by iteration: \(rewards)", file: file, line: line)
    }

    /// SPO-chain: cut points, 3 Monte Carlo rollouts per boundary (the tiny spec's), the
    /// probability mask on. Every iteration values some boundaries and masks some tokens.
    func testSPOChainRaisesReward() throws {
        let records = try run(method: "spo-chain")
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["samples_consumed"] as? Int, 64, "iteration \(index)")
            XCTAssertGreaterThan(record["value_rollouts"] as? Int ?? 0, 0, "iteration \(index)")
            XCTAssertLessThan(record["loss_token_fraction"] as? Double ?? 1, 1, "iteration \(index)")
        }
        assertRewardRises(records, by: 0.08)
    }

    /// VinePPO: newline steps, Monte Carlo values, no probability mask (every token trains).
    func testVinePPORaisesReward() throws {
        let records = try run(method: "vineppo")
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["samples_consumed"] as? Int, 64, "iteration \(index)")
            XCTAssertGreaterThan(record["value_rollouts"] as? Int ?? 0, 0, "iteration \(index)")
            XCTAssertEqual(record["loss_token_fraction"] as? Double ?? 0, 1, "iteration \(index)")
        }
        assertRewardRises(records, by: 0.08)
    }

    /// SPO-tree: a 4-4 tree per prompt with 6-token first segments, nested-mean values,
    /// one sample per edge with a non-zero advantage, the probability
    /// mask on. Prefix sharing decodes fewer tokens than sampling the leaves independently.
    func testSPOTreeRaisesReward() throws {
        let records = try run(method: "spo-tree", extra: ["tree": ["kind": "spo_tree", "branching": [4, 4], "segment_tokens": 6]])
        for (index, record) in records.enumerated() {
            let consumed = record["samples_consumed"] as? Int ?? 0, trained = record["samples_trained"] as? Int ?? 0
            XCTAssertGreaterThanOrEqual(consumed, 8, "iteration \(index): at least one sample per tree")
            XCTAssertLessThanOrEqual(consumed, 8 * (4 + 16), "iteration \(index): at most every edge of 8 full trees")
            XCTAssertLessThanOrEqual(trained, consumed, "iteration \(index)")
            XCTAssertLessThan(record["generated_tokens"] as? Int ?? .max, record["independent_sampling_tokens"] as? Int ?? 0)
        }
        assertRewardRises(records, by: 0.08)
    }

    /// TreePO: 2 copies of each prompt grown to 8 leaves in 6-token segments (4 levels fill
    /// the 24-token limit), even branching, the fallback filling every budget; one sample
    /// per leaf with its subtree-baseline advantage, no probability mask, nothing dropped.
    /// Prefix sharing decodes fewer tokens than sampling the leaves independently.
    func testTreePORaisesReward() throws {
        let records = try run(method: "treepo", extra: [
            "tree": ["kind": "treepo", "initial_copies": 2, "leaf_budget": 8, "max_depth": 4, "segment_tokens": 6],
        ])
        var generated = 0, independent = 0, stopTotals = [String: Int]()
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["rollouts_generated"] as? Int, 8 * 8, "iteration \(index): 8 leaves per tree")
            XCTAssertEqual(record["samples_consumed"] as? Int, 8 * 8, "iteration \(index): one sample per leaf")
            XCTAssertEqual(record["samples_trained"] as? Int, 8 * 8, "iteration \(index)")
            XCTAssertEqual(record["loss_token_fraction"] as? Double ?? 0, 1, "iteration \(index)")
            let stops = ["eos", "answer", "length", "max_depth", "repetition"].map { record["treepo_stop_\($0)"] as? Int ?? -1 }
            XCTAssertEqual(stops.reduce(0, +), 8 * 8, "iteration \(index): stops \(stops)")
            for key in ["stop_eos", "stop_answer", "stop_length", "stop_max_depth", "stop_repetition", "restarts",
                        "refilled_tokens", "discarded_tokens"] {
                stopTotals[key, default: 0] += record["treepo_\(key)"] as? Int ?? 0
            }
            generated += record["generated_tokens"] as? Int ?? .max / 32
            independent += record["independent_sampling_tokens"] as? Int ?? 0
        }
        print(String(format: "TreePO decoded %d tokens where sampling its leaves independently decodes %d: %.1f%% less",
                     generated, independent, 100 * (1 - Double(generated) / Double(independent)))
              + "; over the run: \(stopTotals.sorted { $0.key < $1.key })")
        XCTAssertLessThan(generated, independent)
        assertRewardRises(records, by: 0.08)
    }

    /// RLOO: leave-one-out trajectory advantages.
    func testRLOORaisesReward() throws {
        assertRewardRises(try run(method: "rloo"), by: 0.1)
    }
}
