import Foundation
import XCTest
import SPOPipelineSpec
import SPOWire

/// Bad input on a running stage's input queue (docs/protocol.md section 10): the partition
/// stage of a running pipeline gets, from this test, twelve messages that break the
/// protocol in each documented way, between the rollouts of its iterations. It logs one
/// line per message with its reason, counts them (its summary when it stops), and keeps
/// serving: every iteration still trains on all its samples.
extension PipelineEndToEndTests {
    /// A valid rollout message's wire map, to break.
    func rolloutWireMap() throws -> MessagePackMap {
        let envelope = try Envelope(
            runID: "bad-input", messageID: "rollout/intruder@0/0", stage: "generate", replica: 0, iteration: 0,
            policyVersion: 0)
        let rollout = try Rollout(
            promptID: "intruder", groupID: "intruder@0", sampleIndex: 0, promptTokens: [5, 6, 7],
            responseTokens: [10, 11, 12, 13], logProbs: [-0.5, -1.25, -0.125, -2], reward: 0, stopReason: .eos,
            temperature: 0.6)
        return try XCTUnwrap(MessageCodec.messagePack(Message(envelope: envelope, body: .rollout(rollout))).mapValue)
    }

    /// The bad messages (frames) and the reason each must be dropped with.
    func badInputs() throws -> [(name: String, frames: [Data], reason: String)] {
        let valid = try rolloutWireMap()
        func encoded(_ change: (inout MessagePackMap) -> Void) -> Data {
            var map = valid
            change(&map)
            return MessagePackEncoder.encode(.map(map))
        }
        let whole = MessagePackEncoder.encode(.map(valid))
        var deep = MessagePackValue.map(["leaf": .int(1)])
        for _ in 0..<20 { deep = .map(["nested": deep]) }  // 21 levels; the limit is 16
        let metrics = try Message(
            envelope: Envelope(runID: "bad-input", messageID: "m", stage: "generate", replica: 0, iteration: 0, policyVersion: 0),
            body: .metrics(Metrics(values: ["x": 1])))
        return [
            ("reserved byte 0xc1", [Data([0xc1])], "malformed"),
            ("five frames", [Data("a".utf8), Data("b".utf8), Data("c".utf8), Data("d".utf8), whole], "malformed"),
            // 0x68 is the integer 104; the bytes "ello" after it are not allowed.
            ("garbage frames", [Data([0xff, 0x00, 0x13]), Data("hello".utf8)], "malformed"),
            ("cut in half", [whole.prefix(whole.count / 2)], "truncated"),
            ("empty payload", [Data()], "truncated"),
            ("64 MiB + 16 bytes", [Data(count: (64 << 20) + 16)], "oversized"),
            ("21 nested maps", [MessagePackEncoder.encode(deep)], "oversized"),
            ("another protocol", [encoded { $0["protocol"] = .string("xyz") }], "wrong_protocol"),
            ("protocol major version 2", [encoded { $0["version"] = .int(2) }], "unsupported_version"),
            ("type id 99", [encoded { $0["type"] = .int(99) }], "unknown_type"),
            ("a metrics message on the rollout queue", [MessageCodec.encode(metrics)], "unexpected_type"),
            ("three log-probs for four tokens", [encoded { map in
                var body = map["body"]!.mapValue!
                body["log_probs"] = NumericArray([Float(-0.5), -1, -2]).messagePack
                map["body"] = .map(body)
            }], "invalid_field"),
        ]
    }

    func testRunningStageDropsBadInputWithItsReasonAndKeepsServing() throws {
        let (spec, run) = try writeRandomWeightsSpec(name: "bad-input", iterations: 10)
        let inputs = try badInputs()
        let context = try ZMQContext()
        var intruder: ZMQSocket?
        let (status, output) = try runPipeline(spec) {
            // Once two iterations are done, between the rollouts of the next ones.
            guard intruder == nil,
                  let lines = try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8),
                  lines.split(separator: "\n").count >= 2 else { return }
            let resolved = try ResolvedPipelineSpec(
                canonicalJSON: Data(contentsOf: run.appendingPathComponent("resolved-spec.json")))
            let socket = try ZMQSocket(context: context, type: .push)
            try socket.connect(resolved.edge(.rollouts).endpoints[0].connect)
            for input in inputs { try socket.send(frames: input.frames) }
            intruder = socket
        }
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        XCTAssertNotNil(intruder)

        let log = try String(contentsOf: run.appendingPathComponent("logs/partition.0.log"), encoding: .utf8)
        let drops = log.split(separator: "\n").filter { $0.hasPrefix("dropped ") }
        XCTAssertEqual(drops.count, inputs.count, log)
        for reason in Set(inputs.map(\.reason)) {
            let expected = inputs.filter { $0.reason == reason }.count
            XCTAssertEqual(drops.filter { $0.hasPrefix("dropped \(reason) message (") }.count, expected, "\(reason):\n\(log)")
        }
        XCTAssertTrue(drops.contains { $0.contains("reserved byte 0xc1") }, log)
        XCTAssertTrue(drops.contains { $0.contains("5 frames, at most 4 expected") }, log)
        XCTAssertTrue(drops.contains { $0.contains("67108880 bytes exceed the limit of 67108864") }, log)
        XCTAssertTrue(drops.contains { $0.contains("protocol major version 2") }, log)
        XCTAssertTrue(drops.contains { $0.contains("log_probs: 3 elements, expected 4") }, log)
        // The summary when it stopped: 10 iterations × 32 rollouts accepted (more if some
        // were re-sent), and the twelve dropped by reason.
        let summary = try XCTUnwrap(log.split(separator: "\n").first { $0.hasPrefix("input rollouts: ") }, log)
        XCTAssertTrue(summary.hasSuffix(
            " accepted, 12 dropped (malformed 3, truncated 2, oversized 2, wrong_protocol 1, unsupported_version 1, "
                + "unknown_type 1, unexpected_type 1, invalid_field 1)"), String(summary))
        let accepted = Int(summary.dropFirst("input rollouts: ".count).prefix { $0.isNumber }) ?? 0
        XCTAssertGreaterThanOrEqual(accepted, 320, String(summary))

        let records = try jsonLines(run.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(records.count, 10)
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["samples_consumed"] as? Int, 32, "iteration \(index)")
            XCTAssertEqual(record["rollouts_scored"] as? Int, 32, "iteration \(index)")
        }
    }
}
