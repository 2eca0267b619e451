/// Which final-answer reward a task uses, named in task specs as `"reward": "gsm8k"` or
/// `"reward": "boxed"`.
public enum RewardKind: String, CaseIterable, Codable, Sendable {
    /// `MathReward.gsm8k`: the text after the last `####`.
    case gsm8k
    /// `MathReward.boxed`: the last `\boxed{...}`, normalized.
    case boxed

    /// The reward of `response` against `gold`: 1 right, 0 wrong or unfinished, −2 for
    /// several `####` (gsm8k only). See `MathReward`.
    public func reward(response: String, gold: String, truncated: Bool) -> Double {
        switch self {
        case .gsm8k: MathReward.gsm8k(response: response, gold: gold, truncated: truncated)
        case .boxed: MathReward.boxed(response: response, gold: gold, truncated: truncated)
        }
    }

    /// Decodes a name; an unknown one is an error that lists the valid names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let kind = RewardKind(rawValue: name) else {
            let valid = Self.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown reward \"\(name)\"; valid: \(valid)")
        }
        self = kind
    }
}
