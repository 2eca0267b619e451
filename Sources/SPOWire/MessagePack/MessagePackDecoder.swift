import CMsgPack
import Foundation

/// Decodes MessagePack bytes into a `MessagePackValue` with msgpack-c (`msgpack_unpack`
/// into a `msgpack_zone`), after `MessagePackScanner` has checked the input's structure
/// and limits. Never crashes on arbitrary bytes: every problem is a `WireDecodingError`.
///
/// msgpack-c's objects point into the input (strings, bins); they are copied out before
/// the zone is freed. Its results map to reasons: CONTINUE (input ends early) is
/// `.truncated`, EXTRA_BYTES is `.malformed`, PARSE_ERROR `.malformed`, NOMEM_ERROR
/// `.oversized`. Non-negative integers (msgpack-c's POSITIVE_INTEGER) become `.int` when
/// they fit `Int64`. Map keys must be strings, distinct; strings must be valid UTF-8.
public enum MessagePackDecoder {
    /// Bins at least this large are not copied when the input's owner is shared.
    static let sharedBinaryThreshold = 4096

    /// The one value that `bytes` holds.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: MessagePackLimits = .default
    ) throws(WireDecodingError) -> MessagePackValue {
        try decode(bytes, limits: limits, sharing: nil)
    }

    /// The one value that `bytes` holds. With an `owner` that keeps `bytes` alive and
    /// unchanged, bins of `sharedBinaryThreshold` bytes or more are returned as `Data`
    /// viewing `bytes` (retaining `owner`) instead of copies.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: MessagePackLimits, sharing owner: (any AnyObject & Sendable)?
    ) throws(WireDecodingError) -> MessagePackValue {
        var scanner = MessagePackScanner(bytes: bytes, limits: limits)
        try scanner.scan()
        guard let zone = msgpack_zone_new(Int(MSGPACK_ZONE_CHUNK_SIZE)) else {
            throw WireDecodingError(.oversized, "msgpack_zone_new failed")
        }
        defer { msgpack_zone_free(zone) }
        let object = UnsafeMutablePointer<msgpack_object>.allocate(capacity: 1)
        defer { object.deallocate() }
        var offset = 0
        let result = msgpack_unpack(
            bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, &offset, zone, object)
        switch result {
        case MSGPACK_UNPACK_SUCCESS: break
        case MSGPACK_UNPACK_EXTRA_BYTES:
            throw WireDecodingError(.malformed, "\(bytes.count - offset) trailing bytes after the value")
        case MSGPACK_UNPACK_CONTINUE:
            throw WireDecodingError(.truncated, "input of \(bytes.count) bytes ends inside a value")
        case MSGPACK_UNPACK_NOMEM_ERROR:
            throw WireDecodingError(.oversized, "msgpack-c ran out of memory or parser stack")
        default:
            throw WireDecodingError(.malformed, "msgpack-c parse error (code \(result.rawValue))")
        }
        return try convert(object.pointee, sharing: owner)
    }

    /// The one value that `data` holds.
    public static func decode(_ data: Data, limits: MessagePackLimits = .default) throws(WireDecodingError) -> MessagePackValue {
        let result: Result<MessagePackValue, WireDecodingError> = data.withUnsafeBytes { bytes in
            Result { () throws(WireDecodingError) in try decode(bytes, limits: limits) }
        }
        return try result.get()
    }

    /// Copies a msgpack-c object tree (depth already bounded by the scanner) into values.
    private static func convert(
        _ object: msgpack_object, sharing owner: (any AnyObject & Sendable)?
    ) throws(WireDecodingError) -> MessagePackValue {
        switch object.type {
        case MSGPACK_OBJECT_NIL: return .nil
        case MSGPACK_OBJECT_BOOLEAN: return .bool(object.via.boolean)
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            let value = object.via.u64
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: return .int(object.via.i64)
        case MSGPACK_OBJECT_FLOAT32, MSGPACK_OBJECT_FLOAT64: return .float(object.via.f64)
        case MSGPACK_OBJECT_STR:
            return .string(try string(object.via.str.ptr, Int(object.via.str.size)))
        case MSGPACK_OBJECT_BIN:
            return .binary(data(object.via.bin.ptr, Int(object.via.bin.size), sharing: owner))
        case MSGPACK_OBJECT_EXT:
            return .ext(type: object.via.ext.type, data: data(object.via.ext.ptr, Int(object.via.ext.size), sharing: nil))
        case MSGPACK_OBJECT_ARRAY:
            let array = object.via.array
            var values: [MessagePackValue] = []
            values.reserveCapacity(Int(array.size))
            for index in 0..<Int(array.size) { values.append(try convert(array.ptr[index], sharing: owner)) }
            return .array(values)
        case MSGPACK_OBJECT_MAP:
            let map = object.via.map
            var entries: [MessagePackMap.Entry] = []
            entries.reserveCapacity(Int(map.size))
            var seen = Set<String>()
            let useSet = map.size > 16
            for index in 0..<Int(map.size) {
                let pair = map.ptr[index]
                guard pair.key.type == MSGPACK_OBJECT_STR else {
                    throw WireDecodingError(.malformed, "map key \(index) is not a string")
                }
                let key = try string(pair.key.via.str.ptr, Int(pair.key.via.str.size))
                let duplicate = useSet ? !seen.insert(key).inserted : entries.contains { $0.key == key }
                guard !duplicate else {
                    throw WireDecodingError(.malformed, "duplicate map key \"\(key)\"")
                }
                entries.append(MessagePackMap.Entry(key: key, value: try convert(pair.val, sharing: owner)))
            }
            return .map(MessagePackMap(uniqueEntries: entries))
        default:
            throw WireDecodingError(.malformed, "unknown msgpack-c object type \(object.type.rawValue)")
        }
    }

    /// A string from msgpack-c's view; ASCII takes a fast path, anything else is validated.
    private static func string(_ pointer: UnsafePointer<CChar>?, _ count: Int) throws(WireDecodingError) -> String {
        guard count > 0, let pointer else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: count).assumingMemoryBound(to: UInt8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw WireDecodingError(.malformed, "string of \(count) bytes is not valid UTF-8")
        }
        return string
    }

    /// A bin's bytes: copied, or for large ones with an `owner`, viewed in place.
    private static func data(_ pointer: UnsafePointer<CChar>?, _ count: Int, sharing owner: (any AnyObject & Sendable)?) -> Data {
        guard count > 0, let pointer else { return Data() }
        if let owner, count >= sharedBinaryThreshold {
            return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: pointer), count: count,
                        deallocator: .custom { _, _ in withExtendedLifetime(owner) {} })
        }
        return Data(bytes: pointer, count: count)
    }
}
