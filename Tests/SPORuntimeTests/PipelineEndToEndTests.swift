import Foundation
import XCTest
import SPOModel
import SPOTasks
import SPOTraining

/// The tiny GRPO pipeline as separate processes (`spo run`, which starts `spo-generate`,
/// `spo-partition`, `spo-value`, `spo-advantage` and `spo-optimize` from the build
/// directory this test runs from) trains: the training reward rises, and every rollout
/// generated is consumed by the optimizer.
///
/// The spec is `pipelines/tiny/grpo.json` with these overrides (that file stays a smoke
/// test from random weights, whose reward is always 0):
/// - `model`: a checkpoint this test makes with 200 SFT steps (a 64-wide, 2-layer model, a
///   few seconds) on a one-step addition task, so that some answers are right (about 15%);
/// - `task`: 8 training problems of that task, so every iteration samples the same 8
///   prompts and GRPO's gain shows within a few iterations;
/// - 16 iterations of 8 prompts × 8 samples, batch 16, learning rate 3e-4, 24 tokens.
///
/// The run is deterministic for its seed; the assertion is a margin (+0.15 mean reward,
/// last four iterations against the first four) that seeds and learning rates from 1e-4
/// to 3e-4 clear by about twice.
final class PipelineEndToEndTests: XCTestCase {
    static let repository = PipelineHarness.repository

    var harness: PipelineHarness!
    var directory: URL { harness.directory }

    override func setUpWithError() throws {
        harness = try PipelineHarness()
    }

    override func tearDownWithError() throws {
        harness.remove()
    }

    func writeTask(trainSize: Int, to url: URL) throws { try harness.writeTask(trainSize: trainSize, to: url) }
    func makeStartingPolicy() throws -> URL { try harness.makeStartingPolicy() }
    func runPipeline(_ spec: URL, whileRunning: () throws -> Void = {}) throws -> (status: Int32, output: String) {
        try harness.runPipeline(spec, whileRunning: whileRunning)
    }

    /// pipelines/tiny/grpo.json (or another method's tiny spec) with the overrides in the
    /// type's comment.
    func writeSpec(checkpoint: URL, method: String = "grpo") throws -> (spec: URL, run: URL) {
        let taskURL = directory.appendingPathComponent("task-rl.json")
        try writeTask(trainSize: 8, to: taskURL)
        let tiny = Self.repository.appendingPathComponent("pipelines/tiny/\(method).json")
        var spec = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: tiny)) as? [String: Any])
        let run = directory.appendingPathComponent("run")
        spec["run_directory"] = run.path
        spec["model"] = ["checkpoint": checkpoint.path]
        spec["task"] = ["kind": "arithmetic", "config": taskURL.path, "reward": "gsm8k", "prompt_template": "{question}"]
        spec["iterations"] = 16
        spec["sampling"] = ["max_tokens": 24, "samples_per_prompt": 8, "prompts_per_iteration": 8]
        spec["optimize"] = [
            "epochs": 1, "batch_size": 16, "micro_batch_size": 16,
            "learning_rate": ["kind": "constant", "rate": 3e-4],
        ]
        let url = directory.appendingPathComponent("\(method).json")
        try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        return (url, run)
    }

    func testTinyGRPOPipelineImprovesRewardAndConsumesEveryRollout() throws {
        let checkpoint = try makeStartingPolicy()
        let (spec, run) = try writeSpec(checkpoint: checkpoint)
        let (status, output) = try runPipeline(spec)
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))

        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let records = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(records.count, 16)
        // Every rollout generated was scored into a group and consumed by the optimizer:
        // 8 prompts × 8 samples per iteration, no more (nothing generated twice), no less.
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["iteration"] as? Int, index)
            XCTAssertEqual(record["rollouts_generated"] as? Int, 64, "iteration \(index)")
            XCTAssertEqual(record["rollouts_scored"] as? Int, 64, "iteration \(index)")
            XCTAssertEqual(record["samples_consumed"] as? Int, 64, "iteration \(index)")
            XCTAssertEqual(record["stale_samples"] as? Int, 0, "iteration \(index)")
            XCTAssertEqual(record["policy_version"] as? Int, index + 1, "iteration \(index)")
        }
        let rewards = records.map { ($0["reward_mean"] as? Double) ?? .nan }
        let first = rewards.prefix(4).reduce(0, +) / 4, last = rewards.suffix(4).reduce(0, +) / 4
        print("reward by iteration: " + rewards.map { String(format: "%.3f", $0) }.joined(separator: " "))
        XCTAssertGreaterThan(last, first + 0.15, "reward by iteration: \(rewards)")
        // The run directory holds what a run leaves behind.
        for path in ["resolved-spec.json", "weights/latest.json", "logs/generate.0.log", "logs/optimize.0.log"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(path).path), path)
        }
        XCTAssertTrue(output.contains("reward, first → last iteration"), output)
    }
}

extension PipelineEndToEndTests {
    /// `spo run --resume`: a run stopped by SIGINT after some iterations and resumed
    /// trains exactly as an uninterrupted run with the same seed: the same reward, KL,
    /// loss, gradient norm and advantage statistics in every iteration (the optimizer
    /// reloads the newest version with its AdamW state and schedule step; every seed
    /// depends on the iteration, not on the process).
    func testInterruptedRunResumesExactly() throws {
        let checkpoint = try makeStartingPolicy()
        let (specURL, _) = try writeSpec(checkpoint: checkpoint)
        var spec = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: specURL)) as? [String: Any])
        spec["iterations"] = 6
        func write(_ name: String) throws -> (URL, URL) {
            let run = directory.appendingPathComponent(name)
            spec["run_directory"] = run.path
            let url = directory.appendingPathComponent("\(name).json")
            try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]).write(to: url)
            return (url, run)
        }
        let (wholeSpec, wholeRun) = try write("whole")
        let (cutSpec, cutRun) = try write("cut")
        XCTAssertEqual(try runPipeline(wholeSpec).status, 0)
        func records(_ run: URL) throws -> [[String: Any]] {
            try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        }
        var interrupted = false
        let first = try harness.runSPO(["run", cutSpec.path, "--quiet"]) { process in
            guard !interrupted, (try? records(cutRun).count) ?? 0 >= 3 else { return }
            kill(process.processIdentifier, SIGINT)
            interrupted = true
        }
        XCTAssertEqual(first.status, 128 + SIGINT, first.output.suffix(2000) + "")
        let done = try records(cutRun).count
        XCTAssertLessThan(done, 6)
        let second = try harness.runSPO(["run", "--resume", cutRun.path, "--quiet"])
        XCTAssertEqual(second.status, 0, second.output.suffix(3000) + "")
        XCTAssertTrue(second.output.contains("resuming at iteration"), second.output)
        let whole = try records(wholeRun), resumed = try records(cutRun)
        XCTAssertEqual(resumed.count, 6)
        for (a, b) in zip(whole, resumed) {
            for key in ["iteration", "policy_version", "reward_mean", "kl", "policy_loss", "gradient_norm", "advantage_std", "samples_consumed"] {
                XCTAssertEqual("\(a[key] ?? "nil")", "\(b[key] ?? "nil")", "\(key) at iteration \(a["iteration"] ?? "?")")
            }
        }
    }

    /// SIGKILL one replica of every stage mid-run, one after another (two generate
    /// replicas, so one dies while the other serves): the driver restarts each, producers
    /// re-send what was unacknowledged, work done twice is recognised by its id, and every
    /// iteration still trains on exactly its 8 prompts × 4 samples. Random weights: this
    /// checks delivery, not learning.
    func testKilledStagesLoseNoRollout() throws {
        let (specURL, run) = try writeRandomWeightsSpec(
            name: "kill-test", iterations: 14, changes: ["stages": ["generate": ["replicas": 2]]])
        let victims = ["generate.1", "partition.0", "value.0", "advantage.0", "optimize.0", "generate.0"]
        var killed: [String] = []
        let (status, output) = try runPipeline(specURL) {
            let finished = (try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8))?
                .split(separator: "\n").count ?? 0
            guard killed.count < victims.count, finished >= 2 * (killed.count + 1) else { return }
            let victim = victims[killed.count]
            let log = (try? String(contentsOf: run.appendingPathComponent("logs/\(victim).log"), encoding: .utf8)) ?? ""
            guard let line = log.split(separator: "\n").last(where: { $0.contains("ready (pid ") }),
                  let pid = Int32(line.split(separator: "(pid ").last?.dropLast() ?? "") else { return }
            XCTAssertEqual(kill(pid, SIGKILL), 0, victim)
            killed.append(victim)
        }
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        XCTAssertEqual(killed, victims)
        let driverLog = try String(contentsOf: run.appendingPathComponent("logs/driver.log"), encoding: .utf8)
        for victim in victims {
            XCTAssertTrue(driverLog.contains("\(victim) exited (signal 9); restarting it"), "\(victim) was not restarted:\n\(driverLog)")
        }
        let records = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(records.count, 14)
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["samples_consumed"] as? Int, 32, "iteration \(index)")
            XCTAssertEqual(record["policy_version"] as? Int, index + 1, "iteration \(index)")
            XCTAssertGreaterThanOrEqual(record["rollouts_generated"] as? Int ?? 0, 32, "iteration \(index)")
        }
    }
}

/// Where the test's build products are: the directory of the running test executable.
enum DriverLocation {
    static var buildDirectory: URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent()
    }
}
