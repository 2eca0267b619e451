/// A message value that breaks an invariant of the protocol, found while building it:
/// which field, what was wrong, and the values seen.
public struct WireValidationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The wire key (or key path, "rollout.log_probs") of the offending field.
    public let field: String
    /// What was wrong, with the values seen.
    public let problem: String

    /// Memberwise initialiser.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// "<field>: <problem>".
    public var description: String { "\(field): \(problem)" }

    /// The same error with `prefix` put before the field ("rollout" + "log_probs").
    func nested(under prefix: String) -> WireValidationError {
        WireValidationError(field: prefix + "." + field, problem: problem)
    }
}
