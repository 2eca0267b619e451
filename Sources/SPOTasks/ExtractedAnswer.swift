/// What a response says its final answer is, under the GSM8K `#### answer` convention.
///
/// The marker is found as Python's `response.split("####")` finds it: left to right,
/// non-overlapping, so `#####` holds one marker followed by `#` and `########` holds two.
public enum ExtractedAnswer: Equatable, Sendable {
    /// No `####` at all: the response did not finish (reward 0).
    case none
    /// Two or more markers (reward −2); `last` is the stripped text after the last one.
    case multiple(last: String)
    /// Exactly one marker; the stripped text after it.
    case single(String)
}
