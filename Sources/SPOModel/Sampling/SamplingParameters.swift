/// How to draw each generated token and when to stop.
///
/// JSON keys: `temperature`, `top_p`, `max_tokens`, `stop_strings`, `seed`; the first,
/// second and fourth may be left out (defaults 1, 1, []).
///
/// - `temperature` T: sample from softmax(logits / T); T = 0 means greedy argmax.
/// - `topP` p: nucleus sampling (Holtzman et al., "The Curious Case of Neural Text
///   Degeneration", 2020): draw only from the smallest set of most likely tokens whose
///   probability sums to at least p. p = 1 draws from the whole vocabulary.
/// - `maxTokens`: generation stops after this many tokens.
/// - `stopStrings`: generation stops once the generated text contains one of these.
/// - `seed`: seeds the `RandomStream` that makes the draws reproducible.
public struct SamplingParameters: Codable, Sendable, Equatable {
    /// Softmax temperature T >= 0; 0 means greedy.
    public let temperature: Float
    /// Nucleus mass p in (0, 1].
    public let topP: Float
    /// Largest number of generated tokens, >= 1.
    public let maxTokens: Int
    /// Non-empty strings that end generation when the generated text contains one.
    public let stopStrings: [String]
    /// Seed of the random stream used for the draws.
    public let seed: UInt64

    /// Checks and stores the parameters.
    ///
    /// - Throws: `SamplingParametersError` naming the field and value when temperature is
    ///   negative or not finite, topP is not in (0, 1], maxTokens < 1, or a stop string
    ///   is empty.
    public init(
        temperature: Float = 1, topP: Float = 1, maxTokens: Int, stopStrings: [String] = [],
        seed: UInt64
    ) throws {
        guard temperature.isFinite && temperature >= 0 else {
            throw SamplingParametersError(
                field: CodingKeys.temperature.stringValue, value: "\(temperature)",
                problem: "must be finite and >= 0 (0 means greedy)")
        }
        guard topP > 0 && topP <= 1 else {
            throw SamplingParametersError(
                field: CodingKeys.topP.stringValue, value: "\(topP)",
                problem: "must be in (0, 1] (1 samples from the whole vocabulary)")
        }
        guard maxTokens >= 1 else {
            throw SamplingParametersError(
                field: CodingKeys.maxTokens.stringValue, value: "\(maxTokens)",
                problem: "must be >= 1")
        }
        if let index = stopStrings.firstIndex(of: "") {
            throw SamplingParametersError(
                field: "\(CodingKeys.stopStrings.stringValue)[\(index)]", value: "\"\"",
                problem: "an empty stop string would stop before the first token; remove it")
        }
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stopStrings = stopStrings
        self.seed = seed
    }

    /// Decodes and validates; a bad value throws `DecodingError.dataCorrupted` whose
    /// description is the `SamplingParametersError` message.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                temperature: container.decodeIfPresent(Float.self, forKey: .temperature) ?? 1,
                topP: container.decodeIfPresent(Float.self, forKey: .topP) ?? 1,
                maxTokens: container.decode(Int.self, forKey: .maxTokens),
                stopStrings: container.decodeIfPresent([String].self, forKey: .stopStrings) ?? [],
                seed: container.decode(UInt64.self, forKey: .seed))
        } catch let error as SamplingParametersError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: error.description,
                    underlyingError: error))
        }
    }

    enum CodingKeys: String, CodingKey {
        case temperature
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case stopStrings = "stop_strings"
        case seed
    }
}

/// A sampling parameter out of range: which field (JSON key), the value seen, the rule.
public struct SamplingParametersError: Error, CustomStringConvertible, Equatable {
    /// JSON key of the field, e.g. `top_p` or `stop_strings[1]`.
    public let field: String
    /// The value seen.
    public let value: String
    /// The rule it breaks.
    public let problem: String

    /// Creates an error for `field` with the value seen and the rule it breaks.
    public init(field: String, value: String, problem: String) {
        self.field = field
        self.value = value
        self.problem = problem
    }

    /// `sampling parameter field = value: problem`, one line.
    public var description: String {
        "sampling parameter \(field) = \(value): \(problem)"
    }
}
