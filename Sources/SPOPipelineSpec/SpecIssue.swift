/// One thing wrong with a pipeline spec: where (a JSON path such as
/// `$.stages.value.replicas`, or a line and column for text that is not JSON), what
/// was expected there, what was found, and optionally a hint (`did you mean
/// "clip_epsilon"?`).
///
/// Printed on one line, the way `spo validate` shows it:
///
///     pipelines/x.json: $.optimize.clip_epsilon: expected a number in (0, 1), found "0.2" (a string)
///     pipelines/x.json:3:14: expected ',' or '}' after the value of "seed", found '"'
public struct SpecIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec's name as the user knows it, usually its path (`pipelines/x.json`).
    public let sourceName: String
    /// The JSON path of the offending value or key: `$` is the whole document,
    /// `$.tree.branching[1]` an array element, `$.hosts["gpu 1"]` a key that is not a
    /// plain identifier. `$` for a syntax error.
    public let path: String
    /// The 1-based line of a syntax error; nil for the other issues.
    public let line: Int?
    /// The 1-based column (in characters) of a syntax error; nil for the other issues.
    public let column: Int?
    /// What the spec should have there, e.g. `a number in (0, 1)`.
    public let expected: String
    /// What it has, e.g. `"0.2" (a string)` or `nothing (the key is missing)`.
    public let found: String
    /// What to do, when more can be said than `expected`: a suggested key or value, or
    /// the rule the value breaks.
    public let hint: String?

    /// Creates an issue; `line` and `column` only for text that is not valid JSON.
    public init(
        sourceName: String, path: String, line: Int? = nil, column: Int? = nil,
        expected: String, found: String, hint: String? = nil
    ) {
        self.sourceName = sourceName
        self.path = path
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        self.hint = hint
    }

    /// `source: path: expected …, found …[; hint]`, or `source:line:column: …` for a
    /// syntax error.
    public var description: String {
        let location: String
        if let line, let column {
            location = "\(sourceName):\(line):\(column)"
        } else {
            location = "\(sourceName): \(path)"
        }
        let text = "\(location): expected \(expected), found \(found)"
        guard let hint else { return text }
        return text + "; " + hint
    }
}

/// The issues of a spec that does not resolve, in document order. `description` is
/// one issue per line followed by a count, ready for a terminal.
public struct PipelineSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every issue found; never empty.
    public let issues: [SpecIssue]

    /// Wraps the issues of one spec.
    public init(issues: [SpecIssue]) {
        self.issues = issues
    }

    /// One issue per line, then `N error(s)`.
    public var description: String {
        let count = issues.count == 1 ? "1 error" : "\(issues.count) errors"
        return (issues.map(\.description) + [count]).joined(separator: "\n")
    }
}
