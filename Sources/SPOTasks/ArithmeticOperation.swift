/// One arithmetic step of a generated word problem, named in configs by its raw value.
///
/// A step turns the running value `v` into `v ∘ n` for an operand `n`; the generator only
/// takes steps whose result is an integer in `1 ... max_value` (exact division only).
public enum ArithmeticOperation: String, CaseIterable, Codable, CodingKeyRepresentable, Sendable {
    /// `v + n`.
    case add
    /// `v - n`, taken only when the result stays at least 1.
    case subtract
    /// `v * n`.
    case multiply
    /// `v / n`, taken only when `n` divides `v`.
    case divide

    /// The operator written in solution lines, e.g. `12*3=36`.
    public var symbol: String {
        switch self {
        case .add: "+"
        case .subtract: "-"
        case .multiply: "*"
        case .divide: "/"
        }
    }

    /// The raw values, for error messages: `add, subtract, multiply, divide`.
    static var validNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// Decodes a raw value; an unknown name is an error that lists the valid ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let operation = ArithmeticOperation(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown operation \"\(name)\"; valid: \(Self.validNames)")
        }
        self = operation
    }
}

extension KeyedDecodingContainer {
    /// Decodes a JSON object keyed by operation names, e.g. `{"add": ..., "divide": ...}`;
    /// an unknown name is an error at that key that lists the valid names.
    func decodeOperationMap<Value: Decodable>(
        _ type: Value.Type, forKey key: Key
    ) throws -> [ArithmeticOperation: Value] {
        let raw = try decode([String: Value].self, forKey: key)
        var result: [ArithmeticOperation: Value] = [:]
        for (name, value) in raw {
            guard let operation = ArithmeticOperation(rawValue: name) else {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: codingPath + [key, OperationKey(name)],
                        debugDescription:
                            "unknown operation \"\(name)\"; valid: \(ArithmeticOperation.validNames)"))
            }
            result[operation] = value
        }
        return result
    }
}

/// A coding key naming an operation in a JSON object, for error paths.
private struct OperationKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
