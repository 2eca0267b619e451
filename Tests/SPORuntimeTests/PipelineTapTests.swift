import Foundation
import XCTest

/// `spo tap` against a running pipeline: it prints the messages of a work queue without
/// taking any (every iteration still trains on all its samples), and says clearly when
/// nothing arrives.
extension PipelineEndToEndTests {
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
