import Foundation

/// CRC-32 as zlib computes it (IEEE 802.3 polynomial 0xEDB88320 reflected, initial and
/// final XOR 0xFFFFFFFF), so Python's `zlib.crc32` gives the same value. Slicing-by-8:
/// eight table lookups per 8 input bytes.
///
/// Used for the weights checksum, "crc32:%08x" of all the weights bytes.
public struct CRC32: Sendable {
    /// The checksum of the bytes given so far.
    public var value: UInt32 { ~state }
    private var state: UInt32 = 0xFFFF_FFFF

    /// A checksum of no bytes (0).
    public init() {}

    /// The checksum of `data` in one go.
    public static func checksum(_ data: Data) -> UInt32 {
        var crc = CRC32()
        crc.update(data)
        return crc.value
    }

    /// Adds `data` to the checksum.
    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let table = Self.tables
        var crc = state
        var index = 0
        while index + 8 <= bytes.count {
            let low = crc ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
            let high = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
            crc = table[7 * 256 + Int(low & 0xff)] ^ table[6 * 256 + Int((low >> 8) & 0xff)]
                ^ table[5 * 256 + Int((low >> 16) & 0xff)] ^ table[4 * 256 + Int(low >> 24)]
                ^ table[3 * 256 + Int(high & 0xff)] ^ table[2 * 256 + Int((high >> 8) & 0xff)]
                ^ table[1 * 256 + Int((high >> 16) & 0xff)] ^ table[Int(high >> 24)]
            index += 8
        }
        while index < bytes.count {
            crc = table[Int((crc ^ UInt32(bytes[index])) & 0xff)] ^ (crc >> 8)
            index += 1
        }
        state = crc
    }

    /// 8 × 256 entries: table k advances the CRC by a byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xff)]
            }
        }
        return tables
    }()
}
