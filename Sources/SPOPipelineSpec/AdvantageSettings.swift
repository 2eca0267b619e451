/// How per-token advantages are computed (method.md sections 3–6); JSON
/// `{"kind": "tree", "form": "rloo", "std_epsilon": 1e-8}` and the like.
public enum AdvantageSettings: Sendable, Equatable, Codable {
    /// Segment j carries A_j = V̂(b_{j+1}) − V̂(b_j) with V̂(end) = R(τ); the tokens
    /// before the first boundary carry 0.
    case chain
    /// Every tree edge carries A = V(child) − V(parent) (`rloo` form), or that divided
    /// by the siblings' population std + `stdEpsilon` (`grpo` form); edges with A = 0
    /// are dropped.
    case tree(form: TreeAdvantageForm, stdEpsilon: Double)
    /// Leaf i carries the mean over depths d of r_i − mean of its depth-d subtree's
    /// rewards, over subtrees with more than one leaf (d = 0: the prompt's group).
    case treePO
    /// A_i = (r_i − mean_g r) / (std_g r + `stdEpsilon`), population std over the group.
    case grpo(stdEpsilon: Double)
    /// A_i = r_i − mean_{j≠i} r_j.
    case rloo
    /// Generalised advantage estimation: δ_t = r_t + γ V(s_{t+1}) − V(s_t),
    /// A_t = Σ_k (γλ)^k δ_{t+k}; γ = λ = 1 gives the Monte Carlo return minus V(s_t).
    case gae(gamma: Double, lambda: Double)

    /// The case's kind.
    public var kind: AdvantageKind {
        switch self {
        case .chain: return .chain
        case .tree: return .tree
        case .treePO: return .treePO
        case .grpo: return .grpo
        case .rloo: return .rloo
        case .gae: return .gae
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, form, gamma, lambda
        case stdEpsilon = "std_epsilon"
    }

    /// Decodes `{"kind": …, parameters}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(AdvantageKind.self, forKey: .kind) {
        case .chain: self = .chain
        case .tree:
            self = .tree(
                form: try container.decode(TreeAdvantageForm.self, forKey: .form),
                stdEpsilon: try container.decode(Double.self, forKey: .stdEpsilon))
        case .treePO: self = .treePO
        case .grpo: self = .grpo(stdEpsilon: try container.decode(Double.self, forKey: .stdEpsilon))
        case .rloo: self = .rloo
        case .gae:
            self = .gae(
                gamma: try container.decode(Double.self, forKey: .gamma),
                lambda: try container.decode(Double.self, forKey: .lambda))
        }
    }

    /// Encodes `{"kind": …, parameters}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .tree(let form, let stdEpsilon):
            try container.encode(form, forKey: .form)
            try container.encode(stdEpsilon, forKey: .stdEpsilon)
        case .grpo(let stdEpsilon):
            try container.encode(stdEpsilon, forKey: .stdEpsilon)
        case .gae(let gamma, let lambda):
            try container.encode(gamma, forKey: .gamma)
            try container.encode(lambda, forKey: .lambda)
        case .chain, .treePO, .rloo:
            break
        }
    }
}
