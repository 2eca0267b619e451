/// The text a question is wrapped in before the policy sees it, as data: any text with
/// `{question}` where the question goes.
///
///     render("What is 2+3?") with mathTask  →  "[MATH_TASK] Problem:\nWhat is 2+3?\n\nSolution:"
///
/// In JSON a template is a plain string (`"prompt_template": "Q: {question}\nA:"`).
/// Every `{question}` is replaced; no other placeholder exists, so other braces are text.
public struct PromptTemplate: Codable, Equatable, Sendable {
    /// The template text, containing `{question}` at least once.
    public let template: String

    /// The reference's prompt (SPO / VinePPO code): `[MATH_TASK] Problem:\n{question}\n\nSolution:`.
    public static let mathTask = PromptTemplate(
        checked: "[MATH_TASK] Problem:\n{question}\n\nSolution:")

    /// The placeholder replaced by the question.
    public static let placeholder = "{question}"

    /// Creates a template.
    ///
    /// - Throws: `TaskError` quoting the template when it has no `{question}`.
    public init(template: String) throws {
        guard template.contains(Self.placeholder) else {
            throw TaskError(
                source: "prompt template", location: "", value: "\"\(template)\"",
                problem: "has no {question} placeholder; put {question} where the question goes")
        }
        self.template = template
    }

    private init(checked template: String) {
        self.template = template
    }

    /// The prompt for `question`: the template with every `{question}` replaced. The
    /// inserted text is not searched again, so a question containing "{question}" stays.
    public func render(question: String) -> String {
        template.replacing(Self.placeholder, with: question)
    }

    /// Decodes a JSON string; one without `{question}` is an error at its key.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text.contains(Self.placeholder) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "prompt template \"\(text)\" has no {question} placeholder; "
                    + "put {question} where the question goes")
        }
        template = text
    }

    /// Encodes the template as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(template)
    }
}
