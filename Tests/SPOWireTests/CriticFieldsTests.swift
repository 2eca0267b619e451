import Foundation
import XCTest
@testable import SPOWire

/// The critic's optional wire fields (PPO): `valued_rollout.token_values` f32 [R] and
/// `training_sample.old_values` / `returns` f32 [T]. They round-trip, are encoded only
/// when present (so messages without them keep their bytes), and are checked on receipt.
final class CriticFieldsTests: XCTestCase {
    private func text(_ string: String) -> [UInt8] { Array(string.utf8) }

    /// The sample segmented rollout has R = 4 response tokens.
    private func valued(tokenValues: [Float]?) throws -> ValuedRollout {
        try ValuedRollout(
            segmented: SampleMessages.segmented(), boundaryValues: [Float](), rolloutCounts: [Int32](), tokensSpent: 0,
            tokenValues: tokenValues)
    }

    private func sample(targets: ValueTargets?) throws -> TrainingSample {
        try TrainingSample(
            tokens: [5, 6, 10, 11], promptLength: 2, lossMask: [0, 0, 1, 1], advantages: [0, 0, 0.5, -0.5],
            oldLogProbs: [0, 0, -0.5, -1.25], group: SampleGroup(id: "p@0", samples: 2), valueTargets: targets)
    }

    private func bodyKeys(_ message: Message) -> Set<String> {
        guard case .map(let body)? = MessageCodec.messagePack(message).mapValue?["body"] else { return [] }
        return Set(body.keys)
    }

    func testTokenValuesRoundTripAndAreOptional() throws {
        let with = try SampleMessages.message(.valuedRollout(valued(tokenValues: [0.5, -1, 0, 2])))
        XCTAssertEqual(try MessageCodec.decode(MessageCodec.encode(with)), with)
        let without = try SampleMessages.message(.valuedRollout(valued(tokenValues: nil)))
        XCTAssertEqual(try MessageCodec.decode(MessageCodec.encode(without)), without)
        XCTAssertEqual(bodyKeys(without), ["segmented", "boundary_values", "rollout_counts", "tokens_spent"])
        XCTAssertEqual(bodyKeys(with), ["segmented", "boundary_values", "rollout_counts", "tokens_spent", "token_values"])
    }

    /// The bytes with token values are the bytes without them, the body map one entry
    /// longer (fixmap 0x84 → 0x85), then this entry written by hand: fixstr "token_values"
    /// (12 bytes: 0xac), a 3-entry numeric array map, f32 [4] = 0.5, −1, 0, 2 little-endian
    /// (0x3f000000, 0xbf800000, 0, 0x40000000) in a bin8 of 16 bytes.
    func testTokenValuesBytesByHand() throws {
        let without = Array(MessageCodec.encode(try SampleMessages.message(.valuedRollout(valued(tokenValues: nil)))))
        let with = Array(MessageCodec.encode(try SampleMessages.message(.valuedRollout(valued(tokenValues: [0.5, -1, 0, 2])))))
        var entry: [UInt8] = [0xac] + text("token_values") + [0x83]
        entry += [0xa5] + text("dtype") + [0xa3] + text("f32")
        entry += [0xa5] + text("shape") + [0x91, 0x04]
        entry += [0xa4] + text("data") + [0xc4, 0x10]
        entry += [0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40]
        let bodyKey = [0xa4] + text("body")
        let header = try XCTUnwrap((0..<without.count - bodyKey.count).first { Array(without[$0..<$0 + bodyKey.count]) == bodyKey })
            + bodyKey.count
        XCTAssertEqual(without[header], 0x84)
        var expected = without
        expected[header] = 0x85
        expected += entry
        XCTAssertEqual(with, expected)
    }

    func testTokenValuesAreChecked() throws {
        XCTAssertThrowsError(try valued(tokenValues: [0.5, 1, 2])) { error in
            XCTAssertEqual(error as? WireValidationError,
                           WireValidationError(field: "token_values", problem: "3 elements, expected 4 (one per response token)"))
        }
        XCTAssertThrowsError(try ValuedRollout(
            segmented: SampleMessages.segmented(), boundaryValues: NumericArray([Float]()), rolloutCounts: NumericArray([Int32]()),
            tokensSpent: 0, tokenValues: NumericArray([Int32(1), 2, 3, 4])))
        // On receipt: a wrong length is named with its path.
        let message = try SampleMessages.message(.valuedRollout(valued(tokenValues: [0.5, -1, 0, 2])))
        guard case .map(var body)? = MessageCodec.messagePack(message).mapValue?["body"] else { return XCTFail() }
        body["token_values"] = NumericArray([Float(1)]).messagePack
        XCTAssertThrowsError(try MessageCodec.decode(SampleMessages.encoded(message, replacing: "body", with: .map(body)))) { error in
            XCTAssertEqual((error as? WireDecodingError)?.detail,
                           "valued_rollout body.token_values: 1 elements, expected 4 (one per response token)")
        }
    }

    func testValueTargetsRoundTripAndAreOptional() throws {
        let targets = try ValueTargets(oldValues: [0, 0, 0.25, 0.75], returns: [0, 0, 1, 1])
        let with = try SampleMessages.message(.trainingSample(sample(targets: targets)))
        let decoded = try MessageCodec.decode(MessageCodec.encode(with))
        XCTAssertEqual(decoded, with)
        guard case .trainingSample(let back) = decoded.body else { return XCTFail("wrong type") }
        XCTAssertEqual(back.valueTargets?.oldValues.floatValues, [0, 0, 0.25, 0.75])
        XCTAssertEqual(back.valueTargets?.returns.floatValues, [0, 0, 1, 1])
        let without = try SampleMessages.message(.trainingSample(sample(targets: nil)))
        XCTAssertEqual(try MessageCodec.decode(MessageCodec.encode(without)), without)
        XCTAssertFalse(bodyKeys(without).contains("old_values"))
        XCTAssertFalse(bodyKeys(without).contains("returns"))
        XCTAssertTrue(bodyKeys(with).isSuperset(of: ["old_values", "returns"]))
    }

    func testValueTargetsAreChecked() throws {
        // Lengths: returns must match old values, and both the sample's T.
        XCTAssertThrowsError(try ValueTargets(oldValues: [0, 1], returns: [1]))
        XCTAssertThrowsError(try sample(targets: ValueTargets(oldValues: [0, 1], returns: [1, 1]))) { error in
            XCTAssertEqual(error as? WireValidationError,
                           WireValidationError(field: "old_values", problem: "2 elements, expected 4 (one per token)"))
        }
        XCTAssertThrowsError(try ValueTargets(oldValues: NumericArray([UInt8(1)]), returns: NumericArray([Float(1)])))
        // On receipt: both keys or neither.
        let message = try SampleMessages.message(
            .trainingSample(sample(targets: ValueTargets(oldValues: [0, 0, 0.25, 0.75], returns: [0, 0, 1, 1]))))
        guard case .map(var body)? = MessageCodec.messagePack(message).mapValue?["body"] else { return XCTFail() }
        body["returns"] = nil
        XCTAssertThrowsError(try MessageCodec.decode(SampleMessages.encoded(message, replacing: "body", with: .map(body)))) { error in
            XCTAssertEqual((error as? WireDecodingError)?.detail, "training_sample body.returns: missing while old_values is present")
        }
    }
}
