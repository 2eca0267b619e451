import Foundation
import XCTest
@testable import SPOWire

final class CRC32Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(CRC32.checksum(Data()), 0)
        XCTAssertEqual(CRC32.checksum(Data("123456789".utf8)), 0xCBF4_3926, "the CRC-32 check value")
        XCTAssertEqual(CRC32.checksum(Data("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
    }

    /// The sliced loop against the textbook bit-at-a-time definition, over lengths and
    /// split points that exercise both loops.
    func testSlicingMatchesBitwiseReference() {
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for length in [1, 7, 8, 9, 15, 16, 17, 100, 1000] {
            var crc = CRC32()
            let split = length / 3
            crc.update(Data(bytes[0..<split]))
            crc.update(Data(bytes[split..<length]))
            XCTAssertEqual(crc.value, bitwiseCRC32(bytes[0..<length]), "length \(length)")
        }
    }

    func testChecksumString() {
        XCTAssertEqual(WeightsAnnouncement.checksumString(0xCBF4_3926), "crc32:cbf43926")
        XCTAssertEqual(WeightsAnnouncement.checksumString(0x1F), "crc32:0000001f")
    }

    private func bitwiseCRC32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
