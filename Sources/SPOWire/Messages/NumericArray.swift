import Foundation

#if _endian(big)
#error("NumericArray copies little-endian wire bytes verbatim and so needs a little-endian host")
#endif

/// Element type of a `NumericArray`, spelled as on the wire.
public enum NumericDType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32.
    case f32
    /// Two's complement 32-bit integer.
    case i32
    /// Two's complement 64-bit integer.
    case i64
    /// Unsigned byte (masks: 0 or 1).
    case u8

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32, .i32: 4
        case .i64: 8
        case .u8: 1
        }
    }
}

/// A dense numeric array as it travels: dtype, shape, and little-endian row-major bytes.
///
/// On the wire it is the map `{"dtype": "f32", "shape": [d0, ...], "data": bin}`, never an
/// array of MessagePack numbers. Invariant (checked by every initialiser):
/// `data.count == product(shape) * dtype.byteSize`, every dimension ≥ 0. `shape == []`
/// is a scalar (one element).
public struct NumericArray: Sendable, Equatable {
    /// Element type.
    public let dtype: NumericDType
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// product(shape) * dtype.byteSize bytes, little-endian, row-major.
    public let data: Data

    /// Checks the invariant; `field` names the array in the error.
    public init(dtype: NumericDType, shape: [Int], data: Data, field: String = "array") throws(WireValidationError) {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw WireValidationError(field: field, problem: "shape \(shape) has a negative dimension")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw WireValidationError(field: field, problem: "shape \(shape) overflows the element count")
            }
            count = product
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, data.count == expected else {
            throw WireValidationError(
                field: field,
                problem: "\(data.count) data bytes, expected product(shape \(shape)) × \(dtype.byteSize) = \(overflow ? "overflow" : String(expected)) for \(dtype.rawValue)")
        }
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// A rank-1 f32 array of `values`.
    public init(_ values: [Float]) { self.init(unchecked: .f32, values) }
    /// A rank-1 i32 array of `values`.
    public init(_ values: [Int32]) { self.init(unchecked: .i32, values) }
    /// A rank-1 i64 array of `values`.
    public init(_ values: [Int64]) { self.init(unchecked: .i64, values) }
    /// A rank-1 u8 array of `values`.
    public init(_ values: [UInt8]) { self.init(unchecked: .u8, values) }

    private init<Element>(unchecked dtype: NumericDType, _ values: [Element]) {
        self.dtype = dtype
        shape = [values.count]
        data = values.withUnsafeBytes { Data($0) }
    }

    /// product(shape).
    public var elementCount: Int { data.count / dtype.byteSize }

    /// The elements of an f32 array (precondition: `dtype == .f32`).
    public var floatValues: [Float] { values(.f32) }
    /// The elements of an i32 array (precondition: `dtype == .i32`).
    public var int32Values: [Int32] { values(.i32) }
    /// The elements of an i64 array (precondition: `dtype == .i64`).
    public var int64Values: [Int64] { values(.i64) }
    /// The elements of a u8 array (precondition: `dtype == .u8`).
    public var uint8Values: [UInt8] { values(.u8) }

    /// Copies the bytes out as `Element`s; the bytes need no alignment.
    private func values<Element>(_ expected: NumericDType) -> [Element] {
        precondition(dtype == expected, "NumericArray holds \(dtype.rawValue), asked for \(expected.rawValue)")
        precondition(MemoryLayout<Element>.size == dtype.byteSize)
        return [Element](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            data.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress, let target = buffer.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(from: base, byteCount: bytes.count)
                }
            }
            initialized = elementCount
        }
    }
}

extension NumericArray {
    /// `{"dtype": ..., "shape": [...], "data": bin}`.
    public var messagePack: MessagePackValue {
        .map(["dtype": .string(dtype.rawValue),
              "shape": .array(shape.map { .int(Int64($0)) }),
              "data": .binary(data)])
    }

    /// Reads the wire map and checks the invariant; `field` names the array in errors.
    public init(messagePack value: MessagePackValue, field: String = "array") throws(WireValidationError) {
        guard case .map(let map) = value else {
            throw WireValidationError(field: field, problem: "expected a numeric array map {dtype, shape, data}, found \(value.kindName)")
        }
        guard let name = map["dtype"]?.stringValue else {
            throw WireValidationError(field: field + ".dtype", problem: "missing or not a string")
        }
        guard let dtype = NumericDType(rawValue: name) else {
            throw WireValidationError(field: field + ".dtype", problem: "unknown dtype \"\(name)\" (known: f32, i32, i64, u8)")
        }
        guard case .array(let dimensions)? = map["shape"] else {
            throw WireValidationError(field: field + ".shape", problem: "missing or not an array")
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard let size = dimension.intValue else {
                throw WireValidationError(field: field + ".shape", problem: "dimension \(dimension) is not an integer")
            }
            shape.append(size)
        }
        guard case .binary(let data)? = map["data"] else {
            throw WireValidationError(field: field + ".data", problem: "missing or not binary")
        }
        try self.init(dtype: dtype, shape: shape, data: data, field: field)
    }

    /// Checks dtype and rank 1, and the length if `count` is given.
    func requireVector(_ dtype: NumericDType, count: Int? = nil, field: String, meaning: String = "") throws(WireValidationError) {
        guard self.dtype == dtype else {
            throw WireValidationError(field: field, problem: "dtype \(self.dtype.rawValue), expected \(dtype.rawValue)")
        }
        guard shape.count == 1 else {
            throw WireValidationError(field: field, problem: "shape \(shape), expected rank 1")
        }
        if let count, shape[0] != count {
            throw WireValidationError(field: field, problem: "\(shape[0]) elements, expected \(count)\(meaning)")
        }
    }
}
