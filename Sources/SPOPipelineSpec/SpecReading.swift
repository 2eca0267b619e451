/// Collects the issues of one spec while it is read, and reads single JSON values as
/// typed values, reporting what is wrong with them.
///
/// Every read returns nil (or the caller's default) after reporting a problem, so that
/// reading goes on and one pass finds every issue in the document.
final class SpecReading {
    let sourceName: String
    private(set) var issues: [SpecIssue] = []

    init(sourceName: String) {
        self.sourceName = sourceName
    }

    /// Records an issue at `path`.
    func report(_ path: JSONPath, expected: String, found: String, hint: String? = nil) {
        issues.append(
            SpecIssue(sourceName: sourceName, path: path.description, expected: expected, found: found, hint: hint))
    }

    /// Records an issue at `path` about `node` (nil: the key is missing).
    func report(_ path: JSONPath, expected: String, found node: JSONNode?, hint: String? = nil) {
        report(path, expected: expected, found: node?.foundDescription ?? Self.missing, hint: hint)
    }

    /// What `found` says for a required key that is not there.
    static let missing = "nothing (the key is missing)"

    func integer(_ node: JSONNode, at path: JSONPath, _ range: IntegerRange) -> Int? {
        guard case .number(let text, let value) = node else {
            report(path, expected: range.description, found: node)
            return nil
        }
        let integer: Int?
        if let exact = Int(text) {
            integer = exact
        } else if value.rounded() == value, abs(value) <= 9_007_199_254_740_992 {
            integer = Int(value)
        } else {
            integer = nil
        }
        guard let integer else {
            let reason = value.rounded() == value ? "too large" : "not an integer"
            report(path, expected: range.description, found: "\(text) (\(reason))")
            return nil
        }
        guard range.contains(integer) else {
            report(path, expected: range.description, found: text)
            return nil
        }
        return integer
    }

    func number(_ node: JSONNode, at path: JSONPath, _ range: NumberRange) -> Double? {
        guard case .number(let text, let value) = node else {
            report(path, expected: range.description, found: node)
            return nil
        }
        guard range.contains(value) else {
            report(path, expected: range.description, found: text)
            return nil
        }
        return value
    }

    func bool(_ node: JSONNode, at path: JSONPath) -> Bool? {
        guard case .bool(let flag) = node else {
            report(path, expected: "true or false", found: node)
            return nil
        }
        return flag
    }

    /// A non-empty string.
    func string(_ node: JSONNode, at path: JSONPath, what: String = "a non-empty string") -> String? {
        guard case .string(let text) = node, !text.isEmpty else {
            report(path, expected: what, found: node)
            return nil
        }
        return text
    }

    /// One of the raw values of `Choice`; a near miss gets a suggestion.
    func choice<Choice: SpecChoice>(_ node: JSONNode, at path: JSONPath, as type: Choice.Type = Choice.self) -> Choice? {
        let names = Choice.allCases.map(\.rawValue)
        let expected = "one of " + names.map(quoted).joined(separator: ", ")
        guard case .string(let text) = node else {
            report(path, expected: expected, found: node)
            return nil
        }
        guard let choice = Choice(rawValue: text) else {
            report(path, expected: expected, found: node, hint: Suggestion.hint(for: text, in: names))
            return nil
        }
        return choice
    }
}

/// A string-valued enumeration a spec key takes one value of (`"kind": "cutpoint"`).
protocol SpecChoice: RawRepresentable, CaseIterable where RawValue == String {}

/// Integers from `minimum` to `maximum` (no upper bound when nil).
struct IntegerRange: Sendable, CustomStringConvertible {
    let minimum: Int
    let maximum: Int?

    init(_ minimum: Int, _ maximum: Int? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }

    static let positive = IntegerRange(1)
    static let nonNegative = IntegerRange(0)

    func contains(_ value: Int) -> Bool {
        value >= minimum && maximum.map { value <= $0 } ?? true
    }

    var description: String {
        guard let maximum else { return "an integer >= \(minimum)" }
        return minimum == maximum ? "the integer \(minimum)" : "an integer from \(minimum) to \(maximum)"
    }

    /// `integers >= 2`, `integers from 1 to 8`.
    var pluralDescription: String {
        guard let maximum else { return "integers >= \(minimum)" }
        return minimum == maximum ? "integers equal to \(minimum)" : "integers from \(minimum) to \(maximum)"
    }
}

/// Finite numbers between two bounds, each open or closed, or unbounded on one side.
struct NumberRange: Sendable, CustomStringConvertible {
    let lower: Double?
    let lowerIncluded: Bool
    let upper: Double?
    let upperIncluded: Bool

    /// (lower, upper)
    static func open(_ lower: Double, _ upper: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: false, upper: upper, upperIncluded: false)
    }
    /// (lower, upper]
    static func openClosed(_ lower: Double, _ upper: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: false, upper: upper, upperIncluded: true)
    }
    /// [lower, upper)
    static func closedOpen(_ lower: Double, _ upper: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: true, upper: upper, upperIncluded: false)
    }
    /// [lower, upper]
    static func closed(_ lower: Double, _ upper: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: true, upper: upper, upperIncluded: true)
    }
    /// > 0
    static let positive = NumberRange(lower: 0, lowerIncluded: false, upper: nil, upperIncluded: false)
    /// >= 0
    static let nonNegative = NumberRange(lower: 0, lowerIncluded: true, upper: nil, upperIncluded: false)
    /// > lower
    static func above(_ lower: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: false, upper: nil, upperIncluded: false)
    }

    func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if let lower, lowerIncluded ? value < lower : value <= lower { return false }
        if let upper, upperIncluded ? value > upper : value >= upper { return false }
        return true
    }

    var description: String {
        switch (lower, upper) {
        case (let lower?, let upper?):
            return "a number in \(lowerIncluded ? "[" : "(")\(format(lower)), \(format(upper))\(upperIncluded ? "]" : ")")"
        case (let lower?, nil):
            return "a number \(lowerIncluded ? ">=" : ">") \(format(lower))"
        case (nil, let upper?):
            return "a number \(upperIncluded ? "<=" : "<") \(format(upper))"
        case (nil, nil):
            return "a number"
        }
    }
}

/// `1` for 1.0, `0.9` for 0.9: the shortest text that reads back as `value`.
func format(_ value: Double) -> String {
    value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
}
