import Foundation
import XCTest
@testable import SPOWire

final class MessageCodecTests: XCTestCase {
    private func assertRejected(
        _ data: Data, _ reason: WireDecodingError.Reason, _ detail: String? = nil,
        accepting: Set<MessageType>? = nil, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try MessageCodec.decode(data, accepting: accepting), file: file, line: line) { error in
            let error = error as! WireDecodingError
            XCTAssertEqual(error.reason, reason, "\(error)", file: file, line: line)
            if let detail { XCTAssertEqual(error.detail, detail, file: file, line: line) }
        }
    }

    func testEveryMessageTypeRoundTrips() throws {
        let bodies = try SampleMessages.bodies()
        XCTAssertEqual(Set(bodies.map(\.type)), Set(MessageType.allCases), "every type is covered")
        for body in bodies {
            let message = try SampleMessages.message(body)
            let decoded = try MessageCodec.decode(MessageCodec.encode(message))
            XCTAssertEqual(decoded, message, "\(body.type)")
        }
    }

    func testTypeIdsAreFixed() {
        XCTAssertEqual(MessageType.allCases.map(\.rawValue), Array(1...9))
        XCTAssertEqual(MessageType.allCases.map(\.name), [
            "prompt_batch", "rollout", "segmented_rollout", "valued_rollout", "training_sample",
            "weights_announcement", "weights_chunk", "control", "metrics",
        ])
    }

    func testUnknownKeysAreIgnoredAtEveryLevel() throws {
        let message = try SampleMessages.message(.segmentedRollout(try SampleMessages.segmented()))
        guard case .map(var map) = MessageCodec.messagePack(message),
              case .map(var body)? = map["body"], case .map(var rollout)? = body["rollout"] else {
            return XCTFail("messages are maps")
        }
        rollout["future_field"] = .array([.int(1)])
        body["rollout"] = .map(rollout)
        body["segment_kind"] = .string("newline")
        map["body"] = .map(body)
        map["trace_id"] = .binary(Data([1, 2]))
        map["minor_version"] = .int(4)
        let decoded = try MessageCodec.decode(MessagePackEncoder.encode(.map(map)))
        XCTAssertEqual(decoded, message)
    }

    func testOptionalKeysMayBeNil() throws {
        let sample = try TrainingSample(tokens: [1], promptLength: 0, lossMask: [1], advantages: [1], oldLogProbs: [-1])
        let message = try SampleMessages.message(.trainingSample(sample))
        guard case .map(var map) = MessageCodec.messagePack(message), case .map(var body)? = map["body"] else {
            return XCTFail("messages are maps")
        }
        body["reference_log_probs"] = .nil
        map["body"] = .map(body)
        XCTAssertEqual(try MessageCodec.decode(MessagePackEncoder.encode(.map(map))), message)
    }

    func testProtocolAndVersionAreCheckedFirst() throws {
        let message = try SampleMessages.message(.control(.heartbeat))
        assertRejected(SampleMessages.encoded(message, replacing: "protocol", with: .string("other")),
                       .wrongProtocol, "protocol \"other\", expected \"spo\"")
        assertRejected(SampleMessages.encoded(message, replacing: "protocol", with: nil), .wrongProtocol)
        assertRejected(SampleMessages.encoded(message, replacing: "version", with: .int(2)), .unsupportedVersion,
                       "protocol major version 2; this build speaks version 1 only: run stages built for the same version")
        assertRejected(SampleMessages.encoded(message, replacing: "version", with: .string("1")), .unsupportedVersion)
        assertRejected(MessagePackEncoder.encode(.map(["protocol": .string("spo"), "version": .int(2), "body": .int(0)])),
                       .unsupportedVersion)
        assertRejected(MessagePackEncoder.encode(.array([.string("spo")])), .malformed)
    }

    func testTypeIsCheckedBeforeTheBody() throws {
        let message = try SampleMessages.message(.control(.heartbeat))
        assertRejected(SampleMessages.encoded(message, replacing: "type", with: .int(99)), .unknownType,
                       "type id 99 is not assigned in protocol version 1")
        assertRejected(SampleMessages.encoded(message, replacing: "type", with: .int(0)), .unknownType)
        assertRejected(MessageCodec.encode(message), .unexpectedType,
                       "control (8) is not accepted here (accepted: rollout, training_sample)",
                       accepting: [.trainingSample, .rollout])
        assertRejected(SampleMessages.encoded(message, replacing: "type", with: .int(2)), .invalidField,
                       "rollout body.prompt_id: missing required key")
    }

    func testInvalidFieldsNameTheirPath() throws {
        let rollout = try SampleMessages.message(.rollout(try SampleMessages.rollout()))
        assertRejected(SampleMessages.encoded(rollout, replacing: "run_id", with: .int(1)), .invalidField,
                       "rollout run_id: expected string, found integer")
        assertRejected(SampleMessages.encoded(rollout, replacing: "replica", with: .int(-1)), .invalidField,
                       "rollout replica: -1 is negative")
        assertRejected(SampleMessages.encoded(rollout, replacing: "parent_ids", with: .array([.int(3)])), .invalidField,
                       "rollout parent_ids[0]: expected string, found integer")
        assertRejected(SampleMessages.encoded(rollout, replacing: "body", with: .array([])), .invalidField,
                       "rollout body: expected map, found array")

        guard case .map(let body)? = MessageCodec.messagePack(rollout).mapValue?["body"] else { return XCTFail() }
        var shortLogProbs = body
        shortLogProbs["log_probs"] = NumericArray([Float(-1)]).messagePack
        assertRejected(SampleMessages.encoded(rollout, replacing: "body", with: .map(shortLogProbs)), .invalidField,
                       "rollout body.log_probs: 1 elements, expected 4 (one per response token)")
        var floatTokens = body
        floatTokens["response_tokens"] = NumericArray([Float(1)]).messagePack
        assertRejected(SampleMessages.encoded(rollout, replacing: "body", with: .map(floatTokens)), .invalidField,
                       "rollout body.response_tokens: dtype f32, expected i32")
        var badReason = body
        badReason["stop_reason"] = .string("tired")
        assertRejected(SampleMessages.encoded(rollout, replacing: "body", with: .map(badReason)), .invalidField,
                       "rollout body.stop_reason: unknown value \"tired\" (known: eos, length, stop_sequence)")

        let segmented = try SampleMessages.message(.segmentedRollout(try SampleMessages.segmented()))
        guard case .map(var segmentedBody)? = MessageCodec.messagePack(segmented).mapValue?["body"],
              case .map(var inner)? = segmentedBody["rollout"] else { return XCTFail() }
        inner["reward"] = .string("high")
        segmentedBody["rollout"] = .map(inner)
        assertRejected(SampleMessages.encoded(segmented, replacing: "body", with: .map(segmentedBody)), .invalidField,
                       "segmented_rollout body.rollout.reward: expected float, found string")
    }

    func testBodyInvariants() throws {
        let rollout = try SampleMessages.rollout()
        XCTAssertThrowsError(try SegmentedRollout(rollout: rollout, boundaries: [0, 2, 2, 4], tokenMask: [1, 1, 1, 1])) {
            XCTAssertEqual("\($0)", "boundaries: offset 2 at 2 does not exceed 2")
        }
        XCTAssertThrowsError(try SegmentedRollout(rollout: rollout, boundaries: [0, 3], tokenMask: [1, 1, 1, 1])) {
            XCTAssertEqual("\($0)", "boundaries: [0, 3], expected at least 2 offsets from 0 to the response length 4")
        }
        XCTAssertThrowsError(try SegmentedRollout(rollout: rollout, boundaries: [0, 4], tokenMask: [1, 2, 1, 1])) {
            XCTAssertEqual("\($0)", "token_mask: value 2 at 1, expected 0 or 1")
        }
        let segmented = try SampleMessages.segmented()
        XCTAssertEqual(segmented.segmentCount, 2)
        XCTAssertNoThrow(try ValuedRollout(segmented: segmented, boundaryValues: [], rolloutCounts: [], tokensSpent: 0),
                         "no values (GRPO)")
        XCTAssertThrowsError(try ValuedRollout(segmented: segmented, boundaryValues: [1, 2], rolloutCounts: [1, 1], tokensSpent: 0)) {
            XCTAssertEqual("\($0)", "boundary_values: 2 elements, expected 0 or 3 (one per boundary)")
        }
        XCTAssertThrowsError(try TrainingSample(tokens: [1, 2], promptLength: 3, lossMask: [0, 1], advantages: [0, 1], oldLogProbs: [0, 0])) {
            XCTAssertEqual("\($0)", "prompt_length: 3, expected 0...2 (token count)")
        }
        XCTAssertThrowsError(try WeightsAnnouncement(version: 1, format: "safetensors", source: .chunks(count: 2),
                                                     totalBytes: 4, checksum: "crc32:ABCDEF01"))
        XCTAssertThrowsError(try WeightsChunk(version: 1, index: 2, count: 2, offset: 0, data: Data())) {
            XCTAssertEqual("\($0)", "index: 2, expected 0..<2")
        }
        XCTAssertThrowsError(try Control.acknowledging([]))
        XCTAssertThrowsError(try PromptBatch(prompts: [], samplesPerPrompt: 1))
        XCTAssertThrowsError(try Envelope(runID: "r", messageID: "", stage: "s", replica: 0, iteration: 0, policyVersion: 0)) {
            XCTAssertEqual("\($0)", "message_id: is empty")
        }
    }

    func testWeightsAnnouncementNeedsExactlyOneSource() throws {
        let message = try SampleMessages.message(.weightsAnnouncement(try WeightsAnnouncement(
            version: 1, format: "safetensors", source: .chunks(count: 2), totalBytes: 4, checksum: "crc32:00000000")))
        guard case .map(var body)? = MessageCodec.messagePack(message).mapValue?["body"] else { return XCTFail() }
        body["path"] = .string("/x")
        assertRejected(SampleMessages.encoded(message, replacing: "body", with: .map(body)), .invalidField,
                       "weights_announcement body.path: exactly one of path and chunk_count must be present")
    }

    func testMessageIDsAreUniqueAcrossIncarnations() {
        var first = MessageIDGenerator(stage: "generate", replica: 1, incarnation: "aa")
        XCTAssertEqual(first.next(), "generate.1.aa.1")
        XCTAssertEqual(first.next(), "generate.1.aa.2")
        var restarted = MessageIDGenerator(stage: "generate", replica: 1)
        XCTAssertNotEqual(restarted.next(), "generate.1.aa.1")
    }

    func testLargeArraysDecodeWithinDefaultLimits() throws {
        let count = 1 << 20
        let rollout = try Rollout(
            promptID: "p", groupID: "g", sampleIndex: 0, promptTokens: [1],
            responseTokens: [Int32](repeating: 7, count: count), logProbs: [Float](repeating: -0.5, count: count),
            reward: 0, stopReason: .length, temperature: 1)
        let message = try SampleMessages.message(.rollout(rollout))
        let data = MessageCodec.encode(message)
        XCTAssertLessThan(data.count, 8 * count + 600, "arrays travel as bin, not as msgpack numbers")
        XCTAssertEqual(try MessageCodec.decode(data), message)
        let tight = MessagePackLimits(maxBytes: 1 << 20, maxDepth: 16, maxObjects: 1000)
        XCTAssertThrowsError(try MessageCodec.decode(data, limits: tight)) { error in
            XCTAssertEqual((error as! WireDecodingError).reason, .oversized)
        }
    }
}
