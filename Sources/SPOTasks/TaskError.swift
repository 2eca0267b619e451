/// A task, data set, prompt template or task configuration that cannot be used: where it
/// is, which part, the value seen and what to do about it.
///
/// One type for the whole module, so a caller prints one line whatever went wrong:
/// `task data data/train.jsonl: line 3 = "{"question": 1}": key "question" is missing; add it`.
public struct TaskError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file path, or a short name of the in-memory source ("task spec data").
    public let source: String
    /// Where inside the source: a JSON path such as `templates[2].steps.add[0]`, or
    /// `line 3` for a JSONL file; "" for the whole source.
    public let location: String
    /// The offending value as written (quoted for strings, cut to 80 characters); "" if none.
    public let value: String
    /// What is wrong and what to do about it.
    public let problem: String

    /// Creates an error; `value` is cut to 80 characters so a long line stays readable.
    public init(source: String, location: String, value: String, problem: String) {
        self.source = source
        self.location = location
        self.value = value.count > 80 ? String(value.prefix(77)) + "..." : value
        self.problem = problem
    }

    /// `task data SOURCE: LOCATION = VALUE: PROBLEM`, one line.
    public var description: String {
        let place = location.isEmpty ? source : "\(source): \(location)"
        let seen = value.isEmpty ? "" : " = \(value)"
        return "task data \(place)\(seen): \(problem)"
    }
}

extension TaskError {
    /// Translates a `JSONDecoder` failure into an error located by its JSON path.
    init(decoding error: DecodingError, source: String) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(
                source: source, location: jsonPath(context.codingPath + [key]), value: "",
                problem: "required key is missing; add it")
        case .typeMismatch(let type, let context):
            self.init(
                source: source, location: jsonPath(context.codingPath), value: "",
                problem: "expected a value of type \(type)")
        case .valueNotFound(let type, let context):
            self.init(
                source: source, location: jsonPath(context.codingPath), value: "null",
                problem: "expected a value of type \(type)")
        case .dataCorrupted(let context):
            let problem = context.underlyingError.map {
                "not valid JSON (\($0.localizedDescription)); fix the syntax"
            } ?? context.debugDescription
            self.init(
                source: source, location: jsonPath(context.codingPath), value: "",
                problem: problem)
        @unknown default:
            self.init(source: source, location: "", value: "", problem: "\(error)")
        }
    }
}

/// Dotted JSON path of a coding path, e.g. `templates[2].steps.add`.
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
