/// A structural pass over MessagePack bytes that allocates nothing and checks, before
/// msgpack-c sees the input, everything that could make msgpack-c allocate without bound
/// or misbehave: that every declared length fits in the bytes that remain (a 5-byte input
/// declaring 4 billion array elements would otherwise reserve 96 GB), the nesting depth,
/// the number of values, the reserved byte 0xc1, and that exactly one value fills the input.
///
/// Each container pushes its remaining item count (twice the entry count for a map) on a
/// stack bounded by `maxDepth`; an item that completes pops finished containers.
struct MessagePackScanner {
    let bytes: UnsafeRawBufferPointer
    let limits: MessagePackLimits
    private var offset = 0
    private var objectCount = 0
    private var remainingItems: [Int] = []

    init(bytes: UnsafeRawBufferPointer, limits: MessagePackLimits) {
        self.bytes = bytes
        self.limits = limits
        remainingItems.reserveCapacity(limits.maxDepth)
    }

    /// Walks the whole input; throws the first problem found.
    mutating func scan() throws(WireDecodingError) {
        guard bytes.count <= limits.maxBytes else {
            throw WireDecodingError(.oversized, "\(bytes.count) bytes exceed the limit of \(limits.maxBytes)")
        }
        guard !bytes.isEmpty else { throw WireDecodingError(.truncated, "empty input") }
        repeat {
            let items = try scanHeader()
            if items > 0 {
                guard remainingItems.count < limits.maxDepth else {
                    throw WireDecodingError(.oversized, "nesting deeper than \(limits.maxDepth) at byte \(offset)")
                }
                remainingItems.append(items)
            } else {
                completeItem()
            }
        } while !remainingItems.isEmpty
        guard offset == bytes.count else {
            throw WireDecodingError(.malformed, "\(bytes.count - offset) trailing bytes after the value (at byte \(offset))")
        }
    }

    /// Marks one item of the innermost open container done, closing finished containers.
    private mutating func completeItem() {
        while let last = remainingItems.indices.last {
            remainingItems[last] -= 1
            if remainingItems[last] > 0 { return }
            remainingItems.removeLast()
        }
    }

    /// Reads one value's header, skips its payload (strings, bins, ext, numbers) and
    /// returns the number of items it contains (0 for anything but a non-empty container).
    private mutating func scanHeader() throws(WireDecodingError) -> Int {
        objectCount += 1
        guard objectCount <= limits.maxObjects else {
            throw WireDecodingError(.oversized, "more than \(limits.maxObjects) values")
        }
        let start = offset
        let byte = try readUnsigned(1, "type byte")
        switch byte {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: return 0
        case 0x80...0x8f: return try container(Int(byte & 0x0f), isMap: true, at: start)
        case 0x90...0x9f: return try container(Int(byte & 0x0f), isMap: false, at: start)
        case 0xa0...0xbf: try skip(Int(byte & 0x1f), "str body")
        case 0xc1: throw WireDecodingError(.malformed, "reserved byte 0xc1 at byte \(start)")
        case 0xc4, 0xc5, 0xc6: try skip(Int(try readUnsigned(1 << (byte - 0xc4), "bin length")), "bin body")
        case 0xc7, 0xc8, 0xc9: try skip(Int(try readUnsigned(1 << (byte - 0xc7), "ext length")) + 1, "ext body")
        case 0xca: try skip(4, "float32")
        case 0xcb: try skip(8, "float64")
        case 0xcc, 0xcd, 0xce, 0xcf: try skip(1 << (byte - 0xcc), "uint")
        case 0xd0, 0xd1, 0xd2, 0xd3: try skip(1 << (byte - 0xd0), "int")
        case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: try skip((1 << (byte - 0xd4)) + 1, "fixext")
        case 0xd9, 0xda, 0xdb: try skip(Int(try readUnsigned(1 << (byte - 0xd9), "str length")), "str body")
        case 0xdc, 0xdd:
            return try container(Int(try readUnsigned(2 << (byte - 0xdc), "array length")), isMap: false, at: start)
        case 0xde, 0xdf:
            return try container(Int(try readUnsigned(2 << (byte - 0xde), "map length")), isMap: true, at: start)
        default: fatalError("unreachable: every byte value is handled")
        }
        return 0
    }

    /// The item count of a container of `count` elements, checked against the bytes left
    /// (every item takes at least one byte).
    private func container(_ count: Int, isMap: Bool, at start: Int) throws(WireDecodingError) -> Int {
        let items = isMap ? 2 * count : count
        guard items <= bytes.count - offset else {
            let kind = isMap ? "map of \(count) entries" : "array of \(count) elements"
            throw WireDecodingError(.truncated, "\(kind) at byte \(start) needs at least \(items) more bytes, \(bytes.count - offset) remain")
        }
        return items
    }

    /// Reads a big-endian unsigned integer of `width` bytes.
    private mutating func readUnsigned(_ width: UInt8, _ what: String) throws(WireDecodingError) -> UInt64 {
        let width = Int(width)
        guard width <= bytes.count - offset else {
            throw WireDecodingError(.truncated, "input ends inside the \(what) at byte \(offset) (\(bytes.count) bytes)")
        }
        var value: UInt64 = 0
        for index in offset..<offset + width { value = value << 8 | UInt64(bytes[index]) }
        offset += width
        return value
    }

    /// Skips `count` payload bytes of a string, bin, number or ext.
    private mutating func skip(_ count: Int, _ what: String) throws(WireDecodingError) {
        guard count <= bytes.count - offset else {
            throw WireDecodingError(.truncated, "\(what) of \(count) bytes at byte \(offset) runs past the end (\(bytes.count) bytes)")
        }
        offset += count
    }
}
