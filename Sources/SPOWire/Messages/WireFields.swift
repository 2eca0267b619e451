import Foundation

/// Typed reads of one wire map's keys, each failing with a `WireValidationError` that
/// names the key, the expected type and the value found. A key whose value is nil counts
/// as absent; keys nobody reads are ignored (forward compatibility).
struct WireFields {
    let map: MessagePackMap

    /// The value of a required key.
    func value(_ key: String) throws(WireValidationError) -> MessagePackValue {
        guard let value = optionalValue(key) else {
            throw WireValidationError(field: key, problem: "missing required key")
        }
        return value
    }

    /// The value of an optional key (nil if absent or nil).
    func optionalValue(_ key: String) -> MessagePackValue? {
        guard let value = map[key], value != .nil else { return nil }
        return value
    }

    /// A required string.
    func string(_ key: String) throws(WireValidationError) -> String {
        try string(key, try value(key))
    }

    /// An optional string.
    func optionalString(_ key: String) throws(WireValidationError) -> String? {
        guard let value = optionalValue(key) else { return nil }
        return try string(key, value)
    }

    /// A required integer that fits `Int`.
    func int(_ key: String) throws(WireValidationError) -> Int {
        try int(key, try value(key))
    }

    /// An optional integer.
    func optionalInt(_ key: String) throws(WireValidationError) -> Int? {
        guard let value = optionalValue(key) else { return nil }
        return try int(key, value)
    }

    /// A float; integers are accepted too (a Python sender may pack `1` for `1.0`).
    func double(_ key: String) throws(WireValidationError) -> Double {
        let value = try value(key)
        guard let double = value.doubleValue else { throw mismatch(key, "float", value) }
        return double
    }

    /// A required bin.
    func binary(_ key: String) throws(WireValidationError) -> Data {
        let value = try value(key)
        guard case .binary(let data) = value else { throw mismatch(key, "binary", value) }
        return data
    }

    /// A required array.
    func array(_ key: String) throws(WireValidationError) -> [MessagePackValue] {
        let value = try value(key)
        guard case .array(let values) = value else { throw mismatch(key, "array", value) }
        return values
    }

    /// A required array of strings; a bad element is named by index ("parent_ids[2]").
    func stringArray(_ key: String) throws(WireValidationError) -> [String] {
        var strings: [String] = []
        for (index, element) in try array(key).enumerated() {
            strings.append(try string("\(key)[\(index)]", element))
        }
        return strings
    }

    /// A required nested map.
    func fields(_ key: String) throws(WireValidationError) -> WireFields {
        let value = try value(key)
        guard case .map(let map) = value else { throw mismatch(key, "map", value) }
        return WireFields(map: map)
    }

    /// A required numeric array (section 6 of docs/protocol.md), invariant checked.
    func numericArray(_ key: String) throws(WireValidationError) -> NumericArray {
        try NumericArray(messagePack: try value(key), field: key)
    }

    /// An optional numeric array.
    func optionalNumericArray(_ key: String) throws(WireValidationError) -> NumericArray? {
        guard let value = optionalValue(key) else { return nil }
        return try NumericArray(messagePack: value, field: key)
    }

    /// `value` as a string, or a mismatch error naming `key`.
    private func string(_ key: String, _ value: MessagePackValue) throws(WireValidationError) -> String {
        guard case .string(let string) = value else { throw mismatch(key, "string", value) }
        return string
    }

    /// `value` as an `Int`, or a mismatch error naming `key`.
    private func int(_ key: String, _ value: MessagePackValue) throws(WireValidationError) -> Int {
        guard let int = value.intValue else { throw mismatch(key, "integer", value) }
        return int
    }

    /// "expected <type>, found <kind>" for `key`.
    private func mismatch(_ key: String, _ expected: String, _ value: MessagePackValue) -> WireValidationError {
        WireValidationError(field: key, problem: "expected \(expected), found \(value.kindName)")
    }
}

/// Shared checks for message initialisers.
enum WireCheck {
    /// `value ≥ 0`.
    static func nonNegative(_ value: Int, _ field: String) throws(WireValidationError) {
        guard value >= 0 else { throw WireValidationError(field: field, problem: "\(value) is negative") }
    }

    /// A non-empty string.
    static func nonEmpty(_ value: String, _ field: String) throws(WireValidationError) {
        guard !value.isEmpty else { throw WireValidationError(field: field, problem: "is empty") }
    }

    /// Not NaN or infinite.
    static func finite(_ value: Double, _ field: String) throws(WireValidationError) {
        guard value.isFinite else { throw WireValidationError(field: field, problem: "\(value) is not finite") }
    }
}
