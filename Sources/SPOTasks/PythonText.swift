/// Python `str` operations the rewards mirror, defined on Unicode scalars (code points) as
/// CPython defines them, not on Swift `Character`s: Swift's `==` treats canonically
/// equivalent strings as equal ("é" == "e\u{301}") where Python compares code points.
enum PythonText {
    /// `str.isspace()` for one code point: the Unicode White_Space property, plus
    /// U+001C...U+001F (file, group, record and unit separators), which CPython also
    /// counts as whitespace (their bidirectional class is B or S).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// `text.strip()`: drops leading and trailing `isSpace` code points.
    static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// `text.replace(",", "")`: drops every U+002C.
    static func removingCommas(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where scalar != "," {
            result.append(scalar)
        }
        return String(result)
    }

    /// `a == b` on `str`: the same code points in the same order.
    static func equal(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.elementsEqual(b.unicodeScalars)
    }
}
