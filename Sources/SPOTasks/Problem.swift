/// One math word problem: what the policy is asked, a worked solution to imitate in
/// supervised training, and the gold answer the reward compares against.
public struct Problem: Codable, Equatable, Sendable {
    /// Stable identifier, e.g. `arithmetic-train-17` or `train.jsonl:42` (file and line).
    public var id: String
    /// The question text, inserted into a `PromptTemplate` at `{question}`.
    public var question: String
    /// The full worked solution: for GSM8K-style tasks one step per line ending in
    /// `#### answer`; for MATH-style tasks text containing `\boxed{answer}`.
    public var solution: String
    /// The gold answer: what follows the last `####` (commas removed), or the content of
    /// the last `\boxed{}`.
    public var answer: String

    /// Creates a problem from its four fields.
    public init(id: String, question: String, solution: String, answer: String) {
        self.id = id
        self.question = question
        self.solution = solution
        self.answer = answer
    }
}
