import Foundation
import XCTest

/// `spo tap` against a running pipeline: it prints the messages of a work queue without
/// taking any (every iteration still trains on all its samples), and says clearly when
/// nothing arrives.
extension PipelineEndToEndTests {
    /// A GRPO spec with random weights (delivery, not learning): 8 prompts × 4 samples of
    /// the one-step addition task per iteration, 16 response tokens. `changes` are set on
    /// top, by top-level key.
    func writeRandomWeightsSpec(name: String, iterations: Int, changes: [String: Any] = [:]) throws -> (spec: URL, run: URL) {
        let modelURL = directory.appendingPathComponent("model.json")
        let model: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
            "hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
            "max_position_embeddings": 128, "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": 2,
            "pad_token_id": 0,
        ]
        try JSONSerialization.data(withJSONObject: model).write(to: modelURL)
        let taskURL = directory.appendingPathComponent("task.json")
        try writeTask(trainSize: 8, to: taskURL)
        let run = directory.appendingPathComponent("run")
        var spec: [String: Any] = [
            "name": name, "method": "grpo", "seed": 3, "run_directory": run.path,
            "model": ["config": modelURL.path, "init_seed": 1], "tokenizer": "configs/tokenizers/char.json",
            "task": ["kind": "arithmetic", "config": taskURL.path, "reward": "gsm8k", "prompt_template": "{question}"],
            "iterations": iterations,
            "sampling": ["max_tokens": 16, "samples_per_prompt": 4, "prompts_per_iteration": 8],
            "optimize": ["epochs": 1, "batch_size": 16, "micro_batch_size": 8, "learning_rate": ["kind": "constant", "rate": 1e-4]],
        ]
        spec.merge(changes) { $1 }
        let specURL = directory.appendingPathComponent("\(name).json")
        try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]).write(to: specURL)
        return (specURL, run)
    }

    /// Starts `spo ARGUMENTS` from the repository root, its output in `name`.out.
    func startSPO(_ arguments: [String], name: String) throws -> (process: Process, output: URL) {
        let process = Process()
        process.executableURL = DriverLocation.buildDirectory.appendingPathComponent("spo")
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let output = directory.appendingPathComponent("\(name).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, output)
    }

    /// The JSON objects of a JSON-lines file.
    func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    /// Two taps on work queues of a running run, one with `--full`: every line is the
    /// message the consumer took (type, envelope, arrays of consistent shapes), and the
    /// run still consumes exactly its 8 × 4 samples per iteration.
    func testTapShowsQueuesOfARunningPipelineWithoutTakingMessages() throws {
        let (spec, run) = try writeRandomWeightsSpec(name: "tap-test", iterations: 10)
        var taps: [(process: Process, output: URL)] = []
        let rolloutsFile = directory.appendingPathComponent("rollouts.jsonl")
        let samplesFile = directory.appendingPathComponent("samples.jsonl")
        let (status, output) = try runPipeline(spec) {
            // As soon as the resolved spec is written: the taps connect while the stages start.
            let started = FileManager.default.fileExists(atPath: run.appendingPathComponent("resolved-spec.json").path)
            guard taps.isEmpty, started else { return }
            taps.append(try startSPO(
                ["tap", run.path, "rollouts", "--count", "12", "--out", rolloutsFile.path, "--timeout", "60"],
                name: "tap-rollouts"))
            taps.append(try startSPO(
                ["tap", spec.path, "samples", "--count", "8", "--out", samplesFile.path, "--timeout", "60", "--full"],
                name: "tap-samples"))
        }
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        XCTAssertEqual(taps.count, 2)
        for tap in taps {
            tap.process.waitUntilExit()
            XCTAssertEqual(tap.process.terminationStatus, 0, (try? String(contentsOf: tap.output, encoding: .utf8)) ?? "")
        }

        let rollouts = try jsonLines(rolloutsFile)
        XCTAssertEqual(rollouts.count, 12)
        for line in rollouts {
            XCTAssertEqual(line["edge"] as? String, "rollouts")
            XCTAssertEqual(line["side"] as? String, "received")
            XCTAssertEqual(line["process"] as? String, "partition.0")
            XCTAssertEqual(line["type"] as? String, "rollout")
            XCTAssertNil(line["error"], "\(line)")
            let message = try XCTUnwrap(line["message"] as? [String: Any])
            XCTAssertEqual(message["run_id"] as? String, "tap-test")
            XCTAssertEqual(message["stage"] as? String, "generate")
            XCTAssertTrue((message["message_id"] as? String)?.hasPrefix("rollout/") == true)
            let body = try XCTUnwrap(message["body"] as? [String: Any])
            let tokens = try XCTUnwrap(body["response_tokens"] as? [String: Any])
            let logProbs = try XCTUnwrap(body["log_probs"] as? [String: Any])
            XCTAssertEqual(tokens["dtype"] as? String, "i32")
            XCTAssertEqual(logProbs["dtype"] as? String, "f32")
            let length = try XCTUnwrap((tokens["shape"] as? [Int])?.first)
            XCTAssertEqual(logProbs["shape"] as? [Int], [length])
            XCTAssertTrue((1...16).contains(length), "\(length) response tokens, at most 16")
            XCTAssertLessThanOrEqual(try XCTUnwrap(logProbs["max"] as? Double), 0)
            XCTAssertEqual((tokens["first"] as? [Int])?.count, min(length, 8))
        }

        let samples = try jsonLines(samplesFile)
        XCTAssertEqual(samples.count, 8)
        for line in samples {
            XCTAssertEqual(line["type"] as? String, "training_sample")
            XCTAssertEqual(line["process"] as? String, "optimize.0")
            let body = try XCTUnwrap((line["message"] as? [String: Any])?["body"] as? [String: Any])
            let tokens = try XCTUnwrap((body["tokens"] as? [String: Any])?["values"] as? [Int])
            let mask = try XCTUnwrap((body["loss_mask"] as? [String: Any])?["values"] as? [Int])
            let advantages = try XCTUnwrap((body["advantages"] as? [String: Any])?["values"] as? [Double])
            let promptLength = try XCTUnwrap(body["prompt_length"] as? Int)
            XCTAssertEqual(mask.count, tokens.count)
            XCTAssertEqual(advantages.count, tokens.count)
            XCTAssertEqual(Array(mask.prefix(promptLength)), [Int](repeating: 0, count: promptLength))
            XCTAssertEqual(Array(mask.dropFirst(promptLength)), [Int](repeating: 1, count: tokens.count - promptLength))
            // GRPO: every response token carries its response's advantage.
            XCTAssertEqual(Set(advantages.dropFirst(promptLength)).count, 1, "\(advantages)")
        }

        let records = try jsonLines(run.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(records.count, 10)
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["samples_consumed"] as? Int, 32, "iteration \(index)")
            XCTAssertEqual(record["rollouts_scored"] as? Int, 32, "iteration \(index)")
        }

        // The run is over: nothing listens on its taps any more, and the tap says so.
        let late = try startSPO(["tap", run.path, "rollouts", "--timeout", "1"], name: "tap-late")
        late.process.waitUntilExit()
        XCTAssertEqual(late.process.terminationStatus, 1)
        let message = try String(contentsOf: late.output, encoding: .utf8)
        XCTAssertTrue(message.contains("no message within 1 s on edge rollouts (received side) from partition.0"), message)
        XCTAssertTrue(message.contains("nothing listens at \(run.path)/sockets/tap.partition.0"), message)
    }
}
