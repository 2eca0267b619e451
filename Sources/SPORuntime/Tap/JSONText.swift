/// Pieces of JSON text for one-line records (`TapRenderer`): strings escaped per RFC 8259,
/// numbers in their shortest round-trip form. JSON has no NaN or infinities: those are
/// written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
enum JSONText {
    /// `text` in double quotes: `"` and `\` escaped, control characters as `\n`, `\t`,
    /// `\r` or `\u00XX`.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

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
