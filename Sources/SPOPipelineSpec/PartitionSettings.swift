/// How a response is cut into segments (method.md section 2); JSON
/// `{"kind": "cutpoint", "threshold": 0.9, "interval": 5}` and the like.
public enum PartitionSettings: Sendable, Equatable, Codable {
    /// Low-probability tokens are those with p_t < `threshold` (p_t from logits divided
    /// by the sampling temperature, no top-p); a boundary sits before every
    /// `interval`-th of them, starting from the first.
    case cutpoint(threshold: Double, interval: Int)
    /// `segments` equal chunks of tokens.
    case fixed(segments: Int)
    /// A boundary every `tokens` tokens.
    case intervalTokens(tokens: Int)
    /// A boundary after each newline; the `#### answer` line joins the last step; steps
    /// after the `maxSteps`-th share the final value.
    case newline(maxSteps: Int)
    /// One segment: the whole response.
    case whole
    /// The boundaries of the sampling tree's nodes (`ResolvedPipelineSpec.tree`).
    case tree

    /// The case's kind.
    public var kind: PartitionKind {
        switch self {
        case .cutpoint: return .cutpoint
        case .fixed: return .fixed
        case .intervalTokens: return .intervalTokens
        case .newline: return .newline
        case .whole: return .whole
        case .tree: return .tree
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, threshold, interval, segments, tokens
        case maxSteps = "max_steps"
    }

    /// Decodes `{"kind": …, parameters}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(PartitionKind.self, forKey: .kind) {
        case .cutpoint:
            self = .cutpoint(
                threshold: try container.decode(Double.self, forKey: .threshold),
                interval: try container.decode(Int.self, forKey: .interval))
        case .fixed: self = .fixed(segments: try container.decode(Int.self, forKey: .segments))
        case .intervalTokens: self = .intervalTokens(tokens: try container.decode(Int.self, forKey: .tokens))
        case .newline: self = .newline(maxSteps: try container.decode(Int.self, forKey: .maxSteps))
        case .whole: self = .whole
        case .tree: self = .tree
        }
    }

    /// Encodes `{"kind": …, parameters}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .cutpoint(let threshold, let interval):
            try container.encode(threshold, forKey: .threshold)
            try container.encode(interval, forKey: .interval)
        case .fixed(let segments): try container.encode(segments, forKey: .segments)
        case .intervalTokens(let tokens): try container.encode(tokens, forKey: .tokens)
        case .newline(let maxSteps): try container.encode(maxSteps, forKey: .maxSteps)
        case .whole, .tree: break
        }
    }
}
