import Foundation

// Safetensors (https://github.com/huggingface/safetensors), as read and written here:
//
//   bytes [0, 8)        N, the header length: an unsigned 64-bit little-endian integer
//   bytes [8, 8 + N)    the header: UTF-8 JSON object, possibly right-padded with spaces
//                       {"<name>": {"dtype": "F32", "shape": [d0, d1, ...],
//                                   "data_offsets": [begin, end]}, ...,
//                        "__metadata__": {"<key>": "<string value>", ...}}   (optional)
//   bytes [8 + N, EOF)  the data buffer; a tensor's bytes are buffer[begin, end),
//                       row-major, little-endian; end - begin = product(shape) * dtype size
//
// The tensors must cover the data buffer exactly: no overlap, no hole, no trailing bytes.
// The writer emits F32 only, pads the header so the data buffer starts at a multiple of
// 8 bytes, and puts "__metadata__" first (keys sorted), then tensors in the given order.

#if _endian(big)
#error("Safetensors I/O copies F32 bytes verbatim and so needs a little-endian host")
#endif

/// Element type of a safetensors tensor, spelled as in the header's `"dtype"` field.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .F64, .I64, .U64: 8
        case .F32, .I32, .U32: 4
        case .F16, .BF16, .I16, .U16: 2
        case .I8, .U8, .BOOL, .F8_E4M3, .F8_E5M2: 1
        }
    }
}

/// One header entry, validated: `dataOffsets.count == product(shape) * dtype.byteSize`
/// and `dataOffsets` lies inside the data buffer (offsets relative to its start).
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The header key.
    public let name: String
    /// Element type.
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first; `[]` is a scalar (one element).
    public let shape: [Int]
    /// `[begin, end)` byte range inside the data buffer.
    public let dataOffsets: Range<Int>

    /// product(shape).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A rejected safetensors file or write request: which file, which tensor (if one), what.
public struct SafetensorsError: Error, CustomStringConvertible {
    /// The file read or written.
    public let path: String
    /// The offending tensor's name, when the problem belongs to one tensor.
    public let tensor: String?
    /// What was wrong, with the values seen.
    public let problem: String

    /// "safetensors file '<path>', tensor '<name>': <problem>".
    public var description: String {
        let place = tensor.map { ", tensor '\($0)'" } ?? ""
        return "safetensors file '\(path)'\(place): \(problem)"
    }
}

/// A float tensor to write: `values.count` must equal product(shape).
/// The buffer is only read during `SafetensorsFile.write`, never retained.
public struct SafetensorsTensor {
    /// Header key; unique within a file and not `__metadata__`.
    public var name: String
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// Row-major elements, written verbatim as F32.
    public var values: UnsafeBufferPointer<Float>

    /// Memberwise initialiser.
    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// A parsed, fully validated safetensors file whose bytes stay mapped (or in memory).
public struct SafetensorsFile: Sendable {
    /// Tensors by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// The `__metadata__` object, empty when absent.
    public let metadata: [String: String]
    /// Where the bytes came from, for error messages.
    public let path: String

    let bytes: Data
    /// Offset of the data buffer in `bytes`: 8 + header length.
    let dataStart: Int

    /// Maps the file at `url` and validates it (see `init(bytes:path:)`).
    public static func read(contentsOf url: URL) throws -> SafetensorsFile {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafetensorsError(path: url.path, tensor: nil, problem: "cannot read: \(error)")
        }
        return try SafetensorsFile(bytes: bytes, path: url.path)
    }

    /// Parses and validates a whole file held in `bytes`; `path` only labels errors.
    ///
    /// Checks: length prefix present and within the file; header is a JSON object; every
    /// entry has a known dtype, non-negative shape and `[begin, end]` offsets with
    /// 0 <= begin <= end <= data buffer size and end - begin = product(shape) * size;
    /// the entries tile the data buffer with no overlap, hole or trailing bytes.
    public init(bytes: Data, path: String) throws {
        func fail(_ problem: String, _ tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(path: path, tensor: tensor, problem: problem)
        }
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        let declared = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let available = bytes.count - 8
        guard declared <= UInt64(available) else {
            throw fail(
                "header length \(declared) exceeds the \(available) bytes after the length "
                    + "prefix (truncated file, or not safetensors)")
        }
        let headerLength = Int(declared)
        let header = bytes.withUnsafeBytes { Data($0[8..<(8 + headerLength)]) }
        let raw: SafetensorsRawHeader
        do {
            raw = try JSONDecoder().decode(SafetensorsRawHeader.self, from: header)
        } catch let error as DecodingError {
            let (tensor, problem) = Self.explain(error)
            throw fail(problem, tensor)
        } catch {
            throw fail("header is not valid JSON: \(error)")
        }
        let bufferSize = bytes.count - 8 - headerLength
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for (name, entry) in raw.entries.sorted(by: { $0.key < $1.key }) {
            do {
                tensors[name] = try entry.validated(name: name, bufferSize: bufferSize)
            } catch {
                throw fail(error.text, name)
            }
        }
        if let problem = Self.coverageProblem(Array(tensors.values), bufferSize: bufferSize) {
            throw fail(problem)
        }
        self.tensors = tensors
        self.metadata = raw.metadata
        self.path = path
        self.bytes = bytes
        self.dataStart = 8 + headerLength
    }

    /// The tensor's elements converted to Float (F32, F16, BF16, F64), row-major.
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        return try [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            try convert(info, into: buffer)
            initialized = info.elementCount
        }
    }

    /// Converts the tensor into `destination`, whose count must equal product(shape).
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let info = try info(name)
        guard destination.count == info.elementCount else {
            throw SafetensorsError(
                path: path, tensor: name,
                problem: "destination holds \(destination.count) floats but shape "
                    + "\(info.shape) has \(info.elementCount) elements")
        }
        try convert(info, into: destination)
    }

    private func info(_ name: String) throws -> SafetensorsTensorInfo {
        if let info = tensors[name] { return info }
        let names = tensors.keys.sorted()
        let sample = names.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        let more = names.count > 5 ? ", …" : ""
        throw SafetensorsError(
            path: path, tensor: name,
            problem: "no such tensor; the file has \(names.count): \(sample)\(more)")
    }

    /// Decodes little-endian elements; `destination.count == info.elementCount`.
    private func convert(_ info: SafetensorsTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) throws {
        switch info.dtype {
        case .F32, .F16, .BF16, .F64: break
        default:
            throw SafetensorsError(
                path: path, tensor: info.name,
                problem: "dtype \(info.dtype.rawValue) cannot be read as Float "
                    + "(supported: F32, F16, BF16, F64)")
        }
        let count = info.elementCount
        guard count > 0, let out = destination.baseAddress else { return }
        bytes.withUnsafeBytes { file in
            let source = file.baseAddress! + dataStart + info.dataOffsets.lowerBound
            switch info.dtype {
            case .F32:
                UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: count * 4)
            case .F16:
                for i in 0..<count {
                    let half = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Self.float(fromHalf: half)
                }
            case .BF16:
                for i in 0..<count {
                    let brain = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Float(bitPattern: UInt32(brain) << 16)
                }
            default:  // F64; every other dtype was rejected above.
                for i in 0..<count {
                    let bits = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    out[i] = Float(Double(bitPattern: bits))
                }
            }
        }
    }

    /// Why the tensors do not tile `[0, bufferSize)` exactly, or nil when they do.
    private static func coverageProblem(_ infos: [SafetensorsTensorInfo], bufferSize: Int) -> String? {
        let ordered = infos.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var cursor = 0
        var previous = "the start of the data buffer"
        for info in ordered {
            let range = "[\(info.dataOffsets.lowerBound), \(info.dataOffsets.upperBound))"
            if info.dataOffsets.lowerBound < cursor {
                return "tensor '\(info.name)' at \(range) overlaps \(previous), which ends at \(cursor)"
            }
            if info.dataOffsets.lowerBound > cursor {
                return "hole of \(info.dataOffsets.lowerBound - cursor) bytes at [\(cursor), "
                    + "\(info.dataOffsets.lowerBound)) between \(previous) and tensor '\(info.name)'"
            }
            cursor = info.dataOffsets.upperBound
            previous = "tensor '\(info.name)'"
        }
        if cursor != bufferSize {
            return "data buffer has \(bufferSize - cursor) bytes after the last tensor "
                + "(\(previous) ends at \(cursor), buffer is \(bufferSize) bytes)"
        }
        return nil
    }

    /// IEEE 754 binary16 bits to Float: sign 1, exponent 5 (bias 15), mantissa 10.
    /// Subnormals are mantissa * 2^-24; exponent 31 is infinity (mantissa 0) or NaN.
    static func float(fromHalf half: UInt16) -> Float {
        let sign: Float = half & 0x8000 != 0 ? -1 : 1
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        switch exponent {
        case 0:
            return sign * Float(mantissa) * 0x1p-24
        case 0x1F:
            return Float(bitPattern: UInt32(half & 0x8000) << 16 | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: UInt32(half & 0x8000) << 16 | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
