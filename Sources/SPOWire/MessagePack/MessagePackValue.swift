import Foundation

/// One MessagePack value (https://github.com/msgpack/msgpack/blob/master/spec.md).
///
/// Decoded values are normalised: every integer that fits `Int64` comes back as `.int`,
/// and `.uint` only holds values above `Int64.max`; float32 comes back as `.float`.
/// Map keys are strings and keep their order (see `MessagePackMap`).
public enum MessagePackValue: Sendable, Equatable {
    /// MessagePack nil (0xc0).
    case `nil`
    /// true (0xc3) or false (0xc2).
    case bool(Bool)
    /// A signed integer, packed in the smallest format that holds it.
    case int(Int64)
    /// An unsigned integer, packed in the smallest format that holds it.
    case uint(UInt64)
    /// A float, packed as float64 (0xcb).
    case float(Double)
    /// A UTF-8 string (str family).
    case string(String)
    /// Raw bytes (bin family).
    case binary(Data)
    /// An array.
    case array([MessagePackValue])
    /// A map with string keys, in order.
    case map(MessagePackMap)
    /// An extension value: application type code and bytes (fixext / ext family).
    case ext(type: Int8, data: Data)

    /// The value as an `Int` if it is an integer that fits.
    public var intValue: Int? {
        switch self {
        case .int(let value): Int(exactly: value)
        case .uint(let value): Int(exactly: value)
        default: nil
        }
    }

    /// The value as a `Double` if it is a float or an integer.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): value
        case .int(let value): Double(value)
        case .uint(let value): Double(value)
        default: nil
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The map, if this is a map.
    public var mapValue: MessagePackMap? {
        if case .map(let value) = self { value } else { nil }
    }

    /// A short name of the value's kind for error messages: "int", "string", "map", ...
    public var kindName: String {
        switch self {
        case .nil: "nil"
        case .bool: "bool"
        case .int, .uint: "integer"
        case .float: "float"
        case .string: "string"
        case .binary: "binary"
        case .array: "array"
        case .map: "map"
        case .ext: "extension"
        }
    }
}
