import Foundation
import XCTest
@testable import SPOWire

final class NumericArrayTests: XCTestCase {
    func testValuesTravelAsLittleEndianBytes() throws {
        XCTAssertEqual(Array(NumericArray([Float(1), -2.5]).data), [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0])
        XCTAssertEqual(Array(NumericArray([Int32(1), -1]).data), [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        XCTAssertEqual(Array(NumericArray([Int64(258)]).data), [2, 1, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(NumericArray([UInt8(0), 1, 7]).data), [0, 1, 7])
    }

    func testTypedValuesRoundTrip() throws {
        XCTAssertEqual(NumericArray([Float(0.5), -3]).floatValues, [0.5, -3])
        XCTAssertEqual(NumericArray([Int32.min, 0, Int32.max]).int32Values, [Int32.min, 0, Int32.max])
        XCTAssertEqual(NumericArray([Int64.min]).int64Values, [Int64.min])
        XCTAssertEqual(NumericArray([UInt8(255)]).uint8Values, [255])
        XCTAssertEqual(NumericArray([Float]()).shape, [0])
    }

    func testByteCountMustMatchShape() throws {
        let matrix = try NumericArray(dtype: .f32, shape: [2, 3], data: Data(count: 24))
        XCTAssertEqual(matrix.elementCount, 6)
        let scalar = try NumericArray(dtype: .i64, shape: [], data: Data(count: 8))
        XCTAssertEqual(scalar.elementCount, 1)
        XCTAssertThrowsError(try NumericArray(dtype: .f32, shape: [2, 3], data: Data(count: 20), field: "log_probs")) { error in
            XCTAssertEqual("\(error)", "log_probs: 20 data bytes, expected product(shape [2, 3]) × 4 = 24 for f32")
        }
        XCTAssertThrowsError(try NumericArray(dtype: .u8, shape: [-1], data: Data()))
        XCTAssertThrowsError(try NumericArray(dtype: .i64, shape: [1 << 40, 1 << 40], data: Data()))
    }

    func testWireMapRoundTripAndValidation() throws {
        let array = try NumericArray(dtype: .i32, shape: [1, 2], data: Data([1, 0, 0, 0, 2, 0, 0, 0]))
        XCTAssertEqual(array.messagePack, .map(["dtype": .string("i32"), "shape": .array([.int(1), .int(2)]),
                                               "data": .binary(array.data)]))
        XCTAssertEqual(try NumericArray(messagePack: array.messagePack), array)
        let decoded = try MessagePackDecoder.decode(MessagePackEncoder.encode(array.messagePack))
        XCTAssertEqual(try NumericArray(messagePack: decoded), array)

        let bad: [(MessagePackValue, String)] = [
            (.int(1), "tokens: expected a numeric array map {dtype, shape, data}, found integer"),
            (.map(["dtype": .string("f16"), "shape": .array([]), "data": .binary(Data(count: 2))]),
             "tokens.dtype: unknown dtype \"f16\" (known: f32, i32, i64, u8)"),
            (.map(["dtype": .string("u8"), "shape": .string("3"), "data": .binary(Data(count: 3))]),
             "tokens.shape: missing or not an array"),
            (.map(["dtype": .string("u8"), "shape": .array([.float(3)]), "data": .binary(Data(count: 3))]),
             "tokens.shape: dimension float(3.0) is not an integer"),
            (.map(["dtype": .string("u8"), "shape": .array([.int(3)]), "data": .array([])]),
             "tokens.data: missing or not binary"),
            (.map(["dtype": .string("i32"), "shape": .array([.int(3)]), "data": .binary(Data(count: 8))]),
             "tokens: 8 data bytes, expected product(shape [3]) × 4 = 12 for i32"),
        ]
        for (value, message) in bad {
            XCTAssertThrowsError(try NumericArray(messagePack: value, field: "tokens")) { error in
                XCTAssertEqual("\(error)", message)
            }
        }
    }

    func testUnalignedBytesReadCorrectly() throws {
        let bytes = Data([0xaa, 0x00, 0x00, 0x80, 0x3f])
        let array = try NumericArray(dtype: .f32, shape: [1], data: bytes.dropFirst())
        XCTAssertEqual(array.floatValues, [1])
    }
}
