import SPOModel

/// Pieces of JSON text for one-line records (`TapRenderer`): strings escaped per RFC 8259,
/// numbers in their shortest round-trip form. JSON has no NaN or infinities: those are
/// written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
enum JSONText {
    /// `text` in double quotes, escaped (`JSONStringLiteral`).
    static func string(_ text: String) -> String { JSONStringLiteral.quoted(text) }

    /// A double: `0.5`, `1e-08`; non-finite values as strings.
    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : nonFinite(value.isNaN, value < 0)
    }

    /// A float in its own shortest form (`0.1`, not `0.10000000149011612`).
    static func number(_ value: Float) -> String {
        value.isFinite ? "\(value)" : nonFinite(value.isNaN, value < 0)
    }

    /// `{"key": value, …}` from rendered values, in order.
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// `[value, …]` from rendered values.
    static func array(_ elements: [String]) -> String {
        "[" + elements.joined(separator: ",") + "]"
    }

    private static func nonFinite(_ isNaN: Bool, _ negative: Bool) -> String {
        isNaN ? "\"NaN\"" : negative ? "\"-Infinity\"" : "\"Infinity\""
    }
}
