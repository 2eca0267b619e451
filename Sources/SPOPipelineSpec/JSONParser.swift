import Foundation

/// A JSON text that is not valid JSON (RFC 8259): where (1-based line and column, the
/// column counted in characters) and what the parser expected and found there.
struct JSONSyntaxError: Error, Sendable, Equatable {
    let line: Int
    let column: Int
    let expected: String
    let found: String
}

/// A strict RFC 8259 parser over UTF-8 bytes that keeps what validation needs: member
/// order, repeated keys and number texts (see `JSONNode`), and for a syntax error the
/// line and column. No comments, trailing commas, NaN or single quotes: each gets an
/// error that says so. A UTF-8 byte-order mark at the start is skipped.
struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    static let maximumDepth = 256

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Parses one JSON value that makes up the whole of `bytes` (whitespace around it).
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3; parser.lineStart = 3 }
        parser.skipWhitespace()
        let start = parser.index
        let node: JSONNode
        do {
            node = try parser.parseValue(depth: 0)
        } catch {
            let startsWithWord = start < bytes.count && bytes[start] < 0x80 && Character(UnicodeScalar(bytes[start])).isLetter
            guard startsWithWord, error.line == parser.line, error.column == parser.column(of: start) else { throw error }
            throw parser.error(expected: "a JSON value (a pipeline spec is JSON, not YAML)", at: start)
        }
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw parser.error(expected: "the end of the input after the top-level value")
        }
        return node
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The column of `index`: characters since the line start (UTF-8 continuation bytes
    /// do not count).
    private func column(of position: Int) -> Int {
        var count = 1
        var cursor = lineStart
        while cursor < position && cursor < bytes.count {
            if bytes[cursor] & 0xC0 != 0x80 { count += 1 }
            cursor += 1
        }
        return count
    }

    /// An error at the current position naming the character found there.
    private func error(expected: String, at position: Int? = nil) -> JSONSyntaxError {
        let position = position ?? index
        return JSONSyntaxError(
            line: line, column: column(of: position), expected: expected,
            found: describeCharacter(at: position))
    }

    private func describeCharacter(at position: Int) -> String {
        guard position < bytes.count else { return "the end of the input" }
        let byte = bytes[position]
        switch byte {
        case 0x0A: return "a line break"
        case 0x09: return "a tab"
        case 0x0D: return "a carriage return"
        case 0x20...0x7E: return "'\(Character(UnicodeScalar(byte)))'"
        default:
            var end = position + 1
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 && end - position < 4 { end += 1 }
            if let text = String(bytes: bytes[position..<end], encoding: .utf8) {
                return "'\(text)'"
            }
            return "the byte 0x\(String(byte, radix: 16, uppercase: true)) (not UTF-8 text)"
        }
    }

    private mutating func skipWhitespace() {
        while let byte = current {
            switch byte {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        guard let byte = current else { throw error(expected: "a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "/"): throw error(expected: "a value (JSON has no comments)")
        case UInt8(ascii: "'"): throw error(expected: "a value (JSON strings use double quotes)")
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error(expected: "a value (JSON has no NaN or Infinity)")
        default: throw error(expected: "a value")
        }
    }

    private mutating func parseLiteral(_ word: String) throws(JSONSyntaxError) {
        let start = index
        for expectedByte in word.utf8 {
            guard current == expectedByte else {
                throw error(expected: "a value (\"\(word)\" is spelled in lower case)", at: start)
            }
            index += 1
        }
    }

    private mutating func enterNested(depth: Int) throws(JSONSyntaxError) {
        guard depth <= Self.maximumDepth else {
            throw error(expected: "at most \(Self.maximumDepth) nested arrays and objects")
        }
        index += 1
        skipWhitespace()
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        try enterNested(depth: depth)
        var members: [JSONMember] = []
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            guard current == UInt8(ascii: "\"") else {
                var expected = "a key in double quotes"
                if current == UInt8(ascii: "}") && !members.isEmpty {
                    expected += " (a trailing comma is not allowed in JSON)"
                } else if current == UInt8(ascii: "/") {
                    expected += " (JSON has no comments)"
                }
                throw error(expected: expected)
            }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error(expected: "':' after the key \(quoted(key))") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                throw error(expected: "',' or '}' after the value of \(quoted(key))")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        try enterNested(depth: depth)
        var elements: [JSONNode] = []
        if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            if current == UInt8(ascii: "]") {
                throw error(expected: "a value (a trailing comma is not allowed in JSON)")
            }
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw error(expected: "',' or ']' after an array element")
            }
        }
    }

    /// Parses a string starting at its opening quote; escapes decoded, UTF-8 checked.
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw error(expected: "'\"' to close the string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(bytes: utf8, encoding: .utf8) else {
                    throw error(expected: "a string of valid UTF-8", at: index - 1)
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw error(expected: "'\"' to close the string (control characters must be escaped)")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
        guard let byte = current else { throw error(expected: "an escape character after '\\'") }
        index += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let decoded = simple[byte] { utf8.append(decoded); return }
        guard byte == UInt8(ascii: "u") else {
            throw error(expected: "one of \" \\ / b f n r t u after '\\'", at: index - 1)
        }
        var scalar = try parseHexQuad()
        if (0xD800..<0xDC00).contains(scalar) {
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw error(expected: "a low surrogate '\\uDC00'…'\\uDFFF' after a high surrogate")
            }
            index += 2
            let low = try parseHexQuad()
            guard (0xDC00..<0xE000).contains(low) else {
                throw error(expected: "a low surrogate '\\uDC00'…'\\uDFFF' after a high surrogate", at: index - 6)
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw error(expected: "a high surrogate before a low surrogate", at: index - 6)
        }
        guard let unicode = Unicode.Scalar(scalar) else {
            throw error(expected: "a Unicode scalar value", at: index - 6)
        }
        utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
    }

    private mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexDigit(byte) else {
                throw error(expected: "four hexadecimal digits after '\\u'")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNode {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard isDigit(current) else { throw error(expected: "a digit after '-'") }
        if current == UInt8(ascii: "0") {
            index += 1
            if isDigit(current) { throw error(expected: "no leading zero in a number", at: index - 1) }
        } else {
            while isDigit(current) { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard isDigit(current) else { throw error(expected: "a digit after the decimal point") }
            while isDigit(current) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard isDigit(current) else { throw error(expected: "a digit in the exponent") }
            while isDigit(current) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error(expected: "a number within the range of a 64-bit float", at: start)
        }
        return .number(text: text, value: value)
    }
}
