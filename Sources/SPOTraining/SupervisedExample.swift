import SPOModel

/// One supervised example: prompt tokens (context, not trained on) and response tokens
/// (trained on with token cross-entropy).
public struct SupervisedExample: Sendable, Equatable {
    public var prompt: [Int32]
    public var response: [Int32]

    public init(prompt: [Int32], response: [Int32]) {
        self.prompt = prompt
        self.response = response
    }

    /// prompt ++ response, and the index of the first response token.
    var sequence: (tokens: [Int32], scoreStart: Int) { (prompt + response, max(1, prompt.count)) }
}
