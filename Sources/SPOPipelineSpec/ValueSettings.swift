/// How values at segment boundaries are estimated (method.md sections 3, 4, 6); JSON
/// `{"kind": "monte_carlo", "rollouts": 9}` and the like.
public enum ValueSettings: Sendable, Equatable, Codable {
    /// V̂(s) = mean reward of `rollouts` independent rollouts from s, sampled like the
    /// trajectories; truncated rollouts score 0; identical prefixes valued once.
    case monteCarlo(rollouts: Int)
    /// No values: trajectory-level advantages (GRPO, RLOO).
    case none
    /// Node values are nested means of the tree's leaf rewards; no extra rollouts.
    case tree
    /// A value head initialised from the policy and trained with the value loss (PPO).
    case critic

    /// The case's kind.
    public var kind: ValueKind {
        switch self {
        case .monteCarlo: return .monteCarlo
        case .none: return .none
        case .tree: return .tree
        case .critic: return .critic
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, rollouts
    }

    /// Decodes `{"kind": …, parameters}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(ValueKind.self, forKey: .kind) {
        case .monteCarlo: self = .monteCarlo(rollouts: try container.decode(Int.self, forKey: .rollouts))
        case .none: self = .none
        case .tree: self = .tree
        case .critic: self = .critic
        }
    }

    /// Encodes `{"kind": …, parameters}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        if case .monteCarlo(let rollouts) = self {
            try container.encode(rollouts, forKey: .rollouts)
        }
    }
}
