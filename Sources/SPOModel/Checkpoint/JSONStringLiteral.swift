/// A JSON string literal (RFC 8259), as safetensors headers and `spo tap`'s records write
/// them: the text in double quotes with `"` and `\` escaped and control characters
/// (U+0000–U+001F) as `\n`, `\t`, `\r` or `\u00XX`; everything else as is (UTF-8).
public enum JSONStringLiteral {
    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20:
                result += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
