import Foundation
import XCTest
@testable import SPOWire

final class MessagePackTests: XCTestCase {
    private func encode(_ value: MessagePackValue) -> [UInt8] {
        let bytes = Array(MessagePackEncoder.encode(value))
        XCTAssertEqual(bytes.count, MessagePackEncoder.encodedSize(of: value), "encodedSize of \(value)")
        return bytes
    }

    private func decode(_ bytes: [UInt8], limits: MessagePackLimits = .default) throws -> MessagePackValue {
        try MessagePackDecoder.decode(Data(bytes), limits: limits)
    }

    private func assertRejected(
        _ bytes: [UInt8], _ reason: WireDecodingError.Reason, limits: MessagePackLimits = .default,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try decode(bytes, limits: limits), file: file, line: line) { error in
            XCTAssertEqual((error as? WireDecodingError)?.reason, reason, "\(error)", file: file, line: line)
        }
    }

    /// Encodings from the MessagePack spec, worked out by hand: each format family at the
    /// edges of its range.
    func testScalarsUseTheSmallestFormatFromTheSpec() {
        let cases: [(MessagePackValue, [UInt8])] = [
            (.nil, [0xc0]), (.bool(false), [0xc2]), (.bool(true), [0xc3]),
            (.int(0), [0x00]), (.int(127), [0x7f]), (.int(128), [0xcc, 0x80]), (.int(255), [0xcc, 0xff]),
            (.int(256), [0xcd, 0x01, 0x00]), (.int(65536), [0xce, 0x00, 0x01, 0x00, 0x00]),
            (.int(1 << 32), [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
            (.int(-1), [0xff]), (.int(-32), [0xe0]), (.int(-33), [0xd0, 0xdf]), (.int(-128), [0xd0, 0x80]),
            (.int(-129), [0xd1, 0xff, 0x7f]), (.int(-32769), [0xd2, 0xff, 0xff, 0x7f, 0xff]),
            (.int(Int64.min), [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            (.uint(UInt64.max), [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            (.float(1.5), [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
            (.float(-2), [0xcb, 0xc0, 0, 0, 0, 0, 0, 0, 0]),
            (.string(""), [0xa0]), (.string("abc"), [0xa3, 0x61, 0x62, 0x63]),
            (.string("é"), [0xa2, 0xc3, 0xa9]),
            (.binary(Data([1, 2])), [0xc4, 0x02, 0x01, 0x02]),
            (.array([]), [0x90]), (.array([.int(1), .nil]), [0x92, 0x01, 0xc0]),
            (.map([:]), [0x80]), (.map(["a": .int(1)]), [0x81, 0xa1, 0x61, 0x01]),
            (.ext(type: 5, data: Data([9])), [0xd4, 0x05, 0x09]),
            (.ext(type: -1, data: Data([1, 2, 3])), [0xc7, 0x03, 0xff, 1, 2, 3]),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(encode(value), expected, "\(value)")
        }
    }

    func testLengthHeadersSwitchFormatAtTheSpecBoundaries() {
        XCTAssertEqual(Array(encode(.string(String(repeating: "x", count: 31))).prefix(1)), [0xbf])
        XCTAssertEqual(Array(encode(.string(String(repeating: "x", count: 32))).prefix(2)), [0xd9, 32])
        XCTAssertEqual(Array(encode(.string(String(repeating: "x", count: 256))).prefix(3)), [0xda, 0x01, 0x00])
        XCTAssertEqual(Array(encode(.binary(Data(count: 256))).prefix(3)), [0xc5, 0x01, 0x00])
        XCTAssertEqual(Array(encode(.binary(Data(count: 65536))).prefix(5)), [0xc6, 0x00, 0x01, 0x00, 0x00])
        XCTAssertEqual(Array(encode(.array(Array(repeating: .nil, count: 15))).prefix(1)), [0x9f])
        XCTAssertEqual(Array(encode(.array(Array(repeating: .nil, count: 16))).prefix(3)), [0xdc, 0x00, 0x10])
        var map = MessagePackMap()
        for index in 0..<16 { map["k\(index)"] = .int(Int64(index)) }
        XCTAssertEqual(Array(encode(.map(map)).prefix(3)), [0xde, 0x00, 0x10])
        XCTAssertEqual(Array(encode(.ext(type: 1, data: Data(count: 16))).prefix(2)), [0xd8, 0x01])
        XCTAssertEqual(Array(encode(.ext(type: 1, data: Data(count: 17))).prefix(3)), [0xc7, 17, 0x01])
    }

    func testRoundTripNormalisesIntegers() throws {
        var map = MessagePackMap()
        map["z"] = .array([.int(-5), .uint(7), .uint(UInt64(Int64.max) + 1), .float(-0.25)])
        map["a"] = .map(["nested": .binary(Data([0, 255])), "s": .string("π≈3.14")])
        map["e"] = .ext(type: 100, data: Data(count: 300))
        let decoded = try MessagePackDecoder.decode(MessagePackEncoder.encode(.map(map)))
        var expected = map
        expected["z"] = .array([.int(-5), .int(7), .uint(UInt64(Int64.max) + 1), .float(-0.25)])
        XCTAssertEqual(decoded, .map(expected))
        XCTAssertEqual(decoded.mapValue?.keys, ["z", "a", "e"], "key order kept")
    }

    func testDecodesFormatsThisEncoderNeverWrites() throws {
        XCTAssertEqual(try decode([0xca, 0x3f, 0xc0, 0, 0]), .float(1.5), "float32")
        XCTAssertEqual(try decode([0xd0, 0x05]), .int(5), "int8 holding a non-negative value")
        XCTAssertEqual(try decode([0xd9, 0x01, 0x61]), .string("a"), "str8 for a short string")
        XCTAssertEqual(try decode([0xdd, 0, 0, 0, 1, 0xc3]), .array([.bool(true)]), "array32")
        XCTAssertEqual(try decode([0xdf, 0, 0, 0, 1, 0xa1, 0x6b, 0xc0]), .map(["k": .nil]), "map32")
    }

    func testRejectsMalformedInputWithAReason() {
        assertRejected([], .truncated)
        assertRejected([0xc1], .malformed)
        assertRejected([0x01, 0x02], .malformed)
        assertRejected([0xa3, 0x61], .truncated)
        assertRejected([0xcb, 0x3f], .truncated)
        assertRejected([0x92, 0x01], .truncated)
        assertRejected([0xc6, 0xff, 0xff, 0xff, 0xff], .truncated)
        assertRejected([0xdd, 0xff, 0xff, 0xff, 0xff], .truncated, limits: .default)
        assertRejected([0xdf, 0x7f, 0xff, 0xff, 0xff, 0x00], .truncated)
        assertRejected([0x81, 0x01, 0x02], .malformed)
        assertRejected([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02], .malformed)
        assertRejected([0xa2, 0xc3, 0x28], .malformed)
    }

    func testEnforcesLimits() throws {
        let small = MessagePackLimits(maxBytes: 8, maxDepth: 3, maxObjects: 5)
        assertRejected(Array(repeating: 0xc0, count: 9), .oversized, limits: small)
        assertRejected([0x91, 0x91, 0x91, 0x91, 0xc0], .oversized, limits: small)
        XCTAssertEqual(try decode([0x91, 0x91, 0x91, 0xc0], limits: small), .array([.array([.array([.nil])])]))
        assertRejected([0x95, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0], .oversized, limits: small)
        let deep = MessagePackLimits(maxBytes: 1 << 10, maxDepth: 32, maxObjects: 1 << 10)
        let nested32 = [UInt8](repeating: 0x91, count: 32) + [0xc0]
        XCTAssertNoThrow(try decode(nested32, limits: deep), "msgpack-c's parser stack holds depth 32")
        assertRejected([UInt8](repeating: 0x91, count: 33) + [0xc0], .oversized, limits: deep)
    }

    /// Random bytes, random mutations and every truncation of a valid message: decoding
    /// must throw or succeed, never crash, and a success must re-encode to a value that
    /// decodes the same.
    func testFuzzedInputNeverCrashes() throws {
        var generator = SplitMix64(seed: 0x5eed)
        let valid = try SampleMessages.bodies().map { Array(MessageCodec.encode(try SampleMessages.message($0))) }
        var outcomes: [String: Int] = [:]
        func check(_ bytes: [UInt8]) {
            do {
                let value = try decode(bytes)
                XCTAssertEqual(try MessagePackDecoder.decode(MessagePackEncoder.encode(value)), value)
                outcomes["ok", default: 0] += 1
            } catch let error as WireDecodingError {
                outcomes[error.reason.rawValue, default: 0] += 1
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 64)
            check((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        for message in valid {
            for length in 0..<message.count { check(Array(message[0..<length])) }
            for _ in 0..<500 {
                var mutated = message
                for _ in 0..<(1 + generator.next() % 4) {
                    mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                check(mutated)
            }
        }
        XCTAssertGreaterThan(outcomes["ok", default: 0], 0)
        XCTAssertGreaterThan(outcomes["truncated", default: 0], 0)
        XCTAssertGreaterThan(outcomes["malformed", default: 0], 0)
    }
}

/// A small deterministic generator (SplitMix64) so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
