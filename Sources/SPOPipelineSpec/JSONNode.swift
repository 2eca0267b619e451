/// A parsed JSON value as written: objects keep their members in document order (with
/// duplicates, so that validation can report them) and numbers keep their text (so that
/// an issue can quote exactly what the spec says).
indirect enum JSONNode: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as written (`1e-4`, `0.20`) and its value.
    case number(text: String, value: Double)
    case string(String)
    case array([JSONNode])
    /// Members in document order; a key may occur more than once.
    case object([JSONMember])

    /// The value without document details: members collapsed to a dictionary (the last
    /// occurrence of a repeated key wins; validation has reported the repetition).
    var value: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .number(_, let value): return .number(value)
        case .string(let text): return .string(text)
        case .array(let elements): return .array(elements.map(\.value))
        case .object(let members):
            var dictionary: [String: JSONValue] = [:]
            for member in members { dictionary[member.key] = member.value.value }
            return .object(dictionary)
        }
    }

    /// How an issue names this value after "found": `"0.2" (a string)`, `1.5`,
    /// `true (a boolean)`, `null`, `an object`, `an array of 3 elements`.
    var foundDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return "\(flag) (a boolean)"
        case .number(let text, _): return text
        case .string(let text): return "\(quoted(text)) (a string)"
        case .array(let elements):
            return elements.count == 1 ? "an array of 1 element" : "an array of \(elements.count) elements"
        case .object: return "an object"
        }
    }
}

/// One `"key": value` member of a JSON object.
struct JSONMember: Sendable, Equatable {
    let key: String
    let value: JSONNode
}

/// `text` in double quotes with `"` and `\` escaped, cut to 60 characters with `…`.
func quoted(_ text: String) -> String {
    let shown = text.count > 60 ? String(text.prefix(59)) + "…" : text
    var escaped = ""
    for character in shown {
        switch character {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        default: escaped.append(character)
        }
    }
    return "\"\(escaped)\""
}
