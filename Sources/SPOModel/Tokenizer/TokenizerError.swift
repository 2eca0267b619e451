/// A tokenizer configuration that cannot be used: where it is, which key, the value
/// seen and what is wrong with it.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file path, or "configuration data" when the JSON came from memory.
    public let source: String
    /// JSON path of the offending key, e.g. `special_tokens[2]`; "" for the whole document.
    public let key: String
    /// The value seen, as written in the configuration (quoted for strings).
    public let value: String
    /// What is wrong and what to do about it.
    public let problem: String

    /// Creates an error for `key` in `source` with the value seen and the problem.
    public init(source: String, key: String, value: String, problem: String) {
        self.source = source
        self.key = key
        self.value = value
        self.problem = problem
    }

    /// `source: key = value: problem`, one line.
    public var description: String {
        let location = key.isEmpty ? source : "\(source): \(key)"
        let seen = value.isEmpty ? "" : " = \(value)"
        return "tokenizer configuration \(location)\(seen): \(problem)"
    }
}

extension TokenizerError {
    /// Translates a `JSONDecoder` failure into a located error.
    init(decoding error: DecodingError, source: String) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(
                source: source, key: jsonPath(context.codingPath + [key]), value: "",
                problem: "required key is missing; add it")
        case .typeMismatch(let type, let context):
            self.init(
                source: source, key: jsonPath(context.codingPath), value: "",
                problem: "expected a value of type \(type)")
        case .valueNotFound(let type, let context):
            self.init(
                source: source, key: jsonPath(context.codingPath), value: "null",
                problem: "expected a value of type \(type)")
        case .dataCorrupted(let context):
            self.init(
                source: source, key: jsonPath(context.codingPath), value: "",
                problem: "not valid JSON (\(context.debugDescription))")
        @unknown default:
            self.init(source: source, key: "", value: "", problem: "\(error)")
        }
    }
}

/// Dotted JSON path of a coding path, e.g. `special_tokens[2]`.
func jsonPath(_ codingPath: [any CodingKey]) -> String {
    var path = ""
    for key in codingPath {
        if let index = key.intValue {
            path += "[\(index)]"
        } else {
            path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return path
}
