import Foundation
import XCTest
@testable import SPOWire

/// Messages whose bytes were written out by hand from the MessagePack spec
/// (https://github.com/msgpack/msgpack/blob/master/spec.md) and docs/protocol.md,
/// independently of the encoder: fixmap 0x80|n, fixarray 0x90|n, fixstr 0xa0|len,
/// str8 0xd9 len, bin8 0xc4 len, uint8 0xcc, uint16 0xcd, float64 0xcb + 8 big-endian bytes,
/// positive fixint 0x00–0x7f. Key order is the protocol's (envelope, then body).
final class GoldenBytesTests: XCTestCase {
    /// The ASCII bytes of `string` (header bytes are written separately, by hand).
    private func text(_ string: String) -> [UInt8] { Array(string.utf8) }

    private func assertGolden(_ message: Message, _ expected: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        let encoded = Array(MessageCodec.encode(message))
        XCTAssertEqual(encoded.count, expected.count, "length", file: file, line: line)
        if let index = zip(encoded, expected).enumerated().first(where: { $1.0 != $1.1 })?.offset {
            XCTFail("first difference at byte \(index): \(encoded[index]) vs expected \(expected[index])", file: file, line: line)
        }
        XCTAssertEqual(try MessageCodec.decode(Data(expected)), message, file: file, line: line)
    }

    /// control heartbeat: 12 keys, all small values.
    func testHeartbeat() throws {
        let envelope = try Envelope(
            runID: "r1", messageID: "m1", stage: "gen", replica: 0, iteration: 3, policyVersion: 2, createdAt: 1.5)
        var expected: [UInt8] = [0x8c]
        expected += [0xa8] + text("protocol") + [0xa3] + text("spo")
        expected += [0xa7] + text("version") + [0x01]
        expected += [0xa4] + text("type") + [0x08]
        expected += [0xa6] + text("run_id") + [0xa2] + text("r1")
        expected += [0xaa] + text("message_id") + [0xa2] + text("m1")
        expected += [0xaa] + text("parent_ids") + [0x90]
        expected += [0xa5] + text("stage") + [0xa3] + text("gen")
        expected += [0xa7] + text("replica") + [0x00]
        expected += [0xa9] + text("iteration") + [0x03]
        expected += [0xae] + text("policy_version") + [0x02]
        expected += [0xaa] + text("created_at") + [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]  // 1.5
        expected += [0xa4] + text("body") + [0x81, 0xa4] + text("kind") + [0xa9] + text("heartbeat")
        try assertGolden(Message(envelope: envelope, body: .control(.heartbeat)), expected)
    }

    /// metrics: parents, uint8/uint16 integers, a realistic time, negative float, sorted keys.
    func testMetrics() throws {
        let envelope = try Envelope(
            runID: "r1", messageID: "optimize.0.ff.12", parentIDs: ["a", "b"], stage: "optimize", replica: 1,
            iteration: 300, policyVersion: 200, createdAt: 1_700_000_000.5)
        var expected: [UInt8] = [0x8c]
        expected += [0xa8] + text("protocol") + [0xa3] + text("spo")
        expected += [0xa7] + text("version") + [0x01]
        expected += [0xa4] + text("type") + [0x09]
        expected += [0xa6] + text("run_id") + [0xa2] + text("r1")
        expected += [0xaa] + text("message_id") + [0xb0] + text("optimize.0.ff.12")
        expected += [0xaa] + text("parent_ids") + [0x92, 0xa1] + text("a") + [0xa1] + text("b")
        expected += [0xa5] + text("stage") + [0xa8] + text("optimize")
        expected += [0xa7] + text("replica") + [0x01]
        expected += [0xa9] + text("iteration") + [0xcd, 0x01, 0x2c]  // 300
        expected += [0xae] + text("policy_version") + [0xcc, 0xc8]  // 200
        // 1700000000.5 = 0x6553F100.8 = 1.100101010100111111000100000000 1 × 2^30:
        // exponent 1023 + 30 = 0x41D, mantissa 0x954FC40200000.
        expected += [0xaa] + text("created_at") + [0xcb, 0x41, 0xd9, 0x54, 0xfc, 0x40, 0x20, 0x00, 0x00]
        expected += [0xa4] + text("body") + [0x81, 0xa6] + text("values") + [0x82]
        expected += [0xa4] + text("loss") + [0xcb, 0x3f, 0xd0, 0, 0, 0, 0, 0, 0]  // 0.25
        expected += [0xab] + text("reward/mean") + [0xcb, 0xbf, 0xf0, 0, 0, 0, 0, 0, 0]  // -1.0
        try assertGolden(Message(envelope: envelope, body: .metrics(Metrics(values: ["reward/mean": -1, "loss": 0.25]))), expected)
    }

    /// prompt_batch: a str8 run id and a numeric array (i32 [2] = [1, -1], little-endian).
    func testPromptBatch() throws {
        let envelope = try Envelope(
            runID: "run-2024-06-01-grpo-tiny-seed-0042", messageID: "prompts.0.1.1", stage: "prompts",
            replica: 0, iteration: 0, policyVersion: 0, createdAt: 0.5)
        let batch = try PromptBatch(prompts: [Prompt(promptID: "p0", tokens: NumericArray([Int32(1), -1]))], samplesPerPrompt: 4)
        var expected: [UInt8] = [0x8c]
        expected += [0xa8] + text("protocol") + [0xa3] + text("spo")
        expected += [0xa7] + text("version") + [0x01]
        expected += [0xa4] + text("type") + [0x01]
        expected += [0xa6] + text("run_id") + [0xd9, 34] + text("run-2024-06-01-grpo-tiny-seed-0042")
        expected += [0xaa] + text("message_id") + [0xad] + text("prompts.0.1.1")
        expected += [0xaa] + text("parent_ids") + [0x90]
        expected += [0xa5] + text("stage") + [0xa7] + text("prompts")
        expected += [0xa7] + text("replica") + [0x00]
        expected += [0xa9] + text("iteration") + [0x00]
        expected += [0xae] + text("policy_version") + [0x00]
        expected += [0xaa] + text("created_at") + [0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]  // 0.5
        expected += [0xa4] + text("body") + [0x82]
        expected += [0xa7] + text("prompts") + [0x91, 0x83]
        expected += [0xa9] + text("prompt_id") + [0xa2] + text("p0")
        expected += [0xa6] + text("tokens") + [0x83]
        expected += [0xa5] + text("dtype") + [0xa3] + text("i32")
        expected += [0xa5] + text("shape") + [0x91, 0x02]
        expected += [0xa4] + text("data") + [0xc4, 0x08, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff]
        expected += [0xa4] + text("text") + [0xa0]
        expected += [0xb2] + text("samples_per_prompt") + [0x04]
        try assertGolden(Message(envelope: envelope, body: .promptBatch(batch)), expected)
    }
}
