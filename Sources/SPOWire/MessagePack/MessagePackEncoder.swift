import CMsgPack
import Foundation

/// Packs a `MessagePackValue` with msgpack-c's packer.
///
/// The output size is worked out first (`encodedSize`), the `msgpack_sbuffer` is given
/// exactly that capacity, and its bytes become the returned `Data` without a copy. The
/// sbuffer and packer live in heap memory: `msgpack_packer_init` keeps the buffer's address.
/// Integers take msgpack-c's smallest format; floats are always float64.
public enum MessagePackEncoder {
    /// The MessagePack bytes of `value`.
    public static func encode(_ value: MessagePackValue) -> Data {
        let (bytes, count) = packed(value)
        return Data(bytesNoCopy: bytes, count: count, deallocator: .free)
    }

    /// The MessagePack bytes of `value` in a buffer that can be handed to libzmq without
    /// a copy (`ZMQSocket.send(_: Message)`).
    static func encodeBuffer(_ value: MessagePackValue) -> EncodedBuffer {
        let (bytes, count) = packed(value)
        return EncodedBuffer(pointer: bytes, count: count)
    }

    /// Packs `value` into exactly `encodedSize(of: value)` bytes from `malloc`, which the
    /// caller frees.
    private static func packed(_ value: MessagePackValue) -> (UnsafeMutableRawPointer, Int) {
        let size = encodedSize(of: value)
        let buffer = UnsafeMutablePointer<msgpack_sbuffer>.allocate(capacity: 1)
        let packer = UnsafeMutablePointer<msgpack_packer>.allocate(capacity: 1)
        defer {
            msgpack_sbuffer_destroy(buffer)
            buffer.deallocate()
            packer.deallocate()
        }
        msgpack_sbuffer_init(buffer)
        guard let storage = malloc(size) else { fatalError("MessagePackEncoder: cannot allocate \(size) bytes") }
        buffer.pointee.data = storage.assumingMemoryBound(to: CChar.self)
        buffer.pointee.alloc = size
        msgpack_packer_init(packer, buffer, msgpack_sbuffer_write)
        pack(value, packer)
        precondition(buffer.pointee.size == size,
                     "MessagePackEncoder: packed \(buffer.pointee.size) bytes, expected \(size)")
        return (UnsafeMutableRawPointer(msgpack_sbuffer_release(buffer)!), size)
    }

    /// The number of bytes `encode(value)` returns.
    public static func encodedSize(of value: MessagePackValue) -> Int {
        switch value {
        case .nil, .bool: return 1
        case .int(let value):
            if value >= 0 { return unsignedSize(UInt64(value)) }
            if value >= -32 { return 1 }
            if value >= Int64(Int8.min) { return 2 }
            if value >= Int64(Int16.min) { return 3 }
            if value >= Int64(Int32.min) { return 5 }
            return 9
        case .uint(let value): return unsignedSize(value)
        case .float: return 9
        case .string(let value):
            let count = value.utf8.count
            return count + (count < 32 ? 1 : count < 1 << 8 ? 2 : count < 1 << 16 ? 3 : 5)
        case .binary(let value):
            return value.count + (value.count < 1 << 8 ? 2 : value.count < 1 << 16 ? 3 : 5)
        case .array(let values):
            return headerSize(values.count) + values.reduce(0) { $0 + encodedSize(of: $1) }
        case .map(let map):
            return headerSize(map.count) + map.entries.reduce(0) {
                $0 + encodedSize(of: .string($1.key)) + encodedSize(of: $1.value)
            }
        case .ext(_, let data):
            switch data.count {
            case 1, 2, 4, 8, 16: return 2 + data.count
            case ..<(1 << 8): return 3 + data.count
            case ..<(1 << 16): return 4 + data.count
            default: return 6 + data.count
            }
        }
    }

    /// Bytes of a non-negative integer in its smallest format.
    private static func unsignedSize(_ value: UInt64) -> Int {
        value < 128 ? 1 : value < 1 << 8 ? 2 : value < 1 << 16 ? 3 : value < 1 << 32 ? 5 : 9
    }

    /// Array and map headers: fix (< 16), 16-bit or 32-bit count.
    private static func headerSize(_ count: Int) -> Int {
        count < 16 ? 1 : count < 1 << 16 ? 3 : 5
    }

    /// Writes `value` through msgpack-c's packer, depth first.
    private static func pack(_ value: MessagePackValue, _ packer: UnsafeMutablePointer<msgpack_packer>) {
        switch value {
        case .nil: msgpack_pack_nil(packer)
        case .bool(let value): _ = value ? msgpack_pack_true(packer) : msgpack_pack_false(packer)
        case .int(let value): msgpack_pack_int64(packer, value)
        case .uint(let value): msgpack_pack_uint64(packer, value)
        case .float(let value): msgpack_pack_double(packer, value)
        case .string(let value):
            var value = value
            _ = value.withUTF8 { utf8 in
                msgpack_pack_str_with_body(packer, utf8.baseAddress, utf8.count)
            }
        case .binary(let data):
            _ = data.withUnsafeBytes { msgpack_pack_bin_with_body(packer, $0.baseAddress, $0.count) }
        case .array(let values):
            msgpack_pack_array(packer, values.count)
            for element in values { pack(element, packer) }
        case .map(let map):
            msgpack_pack_map(packer, map.count)
            for entry in map.entries {
                pack(.string(entry.key), packer)
                pack(entry.value, packer)
            }
        case .ext(let type, let data):
            _ = data.withUnsafeBytes { msgpack_pack_ext_with_body(packer, $0.baseAddress, $0.count, type) }
        }
    }
}

/// Encoded bytes from `malloc`, freed when the last reference (a `Data` view, or libzmq
/// while it sends them without copying) goes away.
final class EncodedBuffer: @unchecked Sendable {
    /// The bytes; never written after packing.
    let pointer: UnsafeMutableRawPointer
    /// Their number.
    let count: Int

    /// Takes ownership of `count` bytes at `pointer`, from `malloc`.
    init(pointer: UnsafeMutableRawPointer, count: Int) {
        self.pointer = pointer
        self.count = count
    }

    deinit { free(pointer) }

    /// A `Data` viewing the bytes and keeping the buffer alive.
    var data: Data {
        Data(bytesNoCopy: pointer, count: count, deallocator: .custom { [self] _, _ in withExtendedLifetime(self) {} })
    }
}
