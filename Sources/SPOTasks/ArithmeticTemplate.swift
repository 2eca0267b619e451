/// One story for generated word problems: sentences with placeholders, as data.
///
///     {"opening": "{name} has {a} apples.",
///      "product_opening": "{name} has {a} bags with {b} apples in each.",
///      "steps": {"add": ["{name} picks {n} more apples."],
///                "subtract": ["{name} eats {n} apples."]},
///      "question": "How many apples does {name} have now?"}
///
/// Placeholders: `{name}` (a name from the config, anywhere), `{a}` (the starting
/// number, exactly once in each opening), `{b}` (the multiplier, exactly once in the
/// product opening), `{n}` (the step's operand, exactly once in each step sentence).
/// A question is the opening, then one sentence per step, then `question`, joined by
/// single spaces. The product opening, used when `multiply` is allowed, is itself one
/// step (`a*b=v`).
public struct ArithmeticTemplate: Codable, Equatable, Sendable {
    /// The first sentence, stating the starting value `{a}`.
    public var opening: String
    /// An optional first sentence stating two numbers whose product starts the story.
    public var productOpening: String?
    /// Sentences for each operation; a step picks one of the sentences of its operation.
    public var steps: [ArithmeticOperation: [String]]
    /// The closing question about the final value.
    public var question: String

    /// Creates a template from its sentences.
    public init(
        opening: String, productOpening: String? = nil,
        steps: [ArithmeticOperation: [String]], question: String
    ) {
        self.opening = opening
        self.productOpening = productOpening
        self.steps = steps
        self.question = question
    }

    enum CodingKeys: String, CodingKey {
        case opening
        case productOpening = "product_opening"
        case steps
        case question
    }

    /// Decodes the JSON form; unknown operation names under `steps` are errors.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        opening = try container.decode(String.self, forKey: .opening)
        productOpening = try container.decodeIfPresent(String.self, forKey: .productOpening)
        steps = try container.decodeOperationMap([String].self, forKey: .steps)
        question = try container.decode(String.self, forKey: .question)
    }
}
