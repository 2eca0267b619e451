/// The kinds of segment partition (method.md section 2).
public enum PartitionKind: String, Codable, Sendable, CaseIterable {
    /// Boundaries before every `interval`-th low-probability token (SPO-chain).
    case cutpoint
    /// `segments` equal chunks of tokens (the "naive" ablation).
    case fixed
    /// A boundary every `tokens` tokens.
    case intervalTokens = "interval_tokens"
    /// A boundary after each newline, at most `max_steps` valued steps (VinePPO).
    case newline
    /// The whole response is one segment (GRPO, RLOO, PPO).
    case whole
    /// The sampling tree's node boundaries (SPO-tree, TreePO).
    case tree
}

/// The kinds of value estimate (method.md sections 3, 4, 6).
public enum ValueKind: String, Codable, Sendable, CaseIterable {
    /// V̂(s) = mean reward of `rollouts` rollouts from s.
    case monteCarlo = "monte_carlo"
    /// No values (trajectory-level advantages).
    case none
    /// Node values from the tree's leaves, no extra rollouts.
    case tree
    /// A learned value head (PPO).
    case critic
}

/// The kinds of advantage estimator (method.md sections 3–6).
public enum AdvantageKind: String, Codable, Sendable, CaseIterable {
    /// A_j = V̂(b_{j+1}) − V̂(b_j) per segment.
    case chain
    /// A = V(child) − V(parent) per tree edge.
    case tree
    /// Leaf reward minus subtree means, averaged over depths (TreePO).
    case treePO = "treepo"
    /// (r − mean) / (std + ε) within a prompt's group.
    case grpo
    /// r − mean of the other responses of the prompt.
    case rloo
    /// Generalised advantage estimation over critic values.
    case gae
}

/// The tree samplers (method.md sections 4 and 5).
public enum TreeKind: String, Codable, Sendable, CaseIterable {
    /// SPO-tree: fixed branching factors per level, fixed-length segments.
    case spoTree = "spo_tree"
    /// TreePO: segment-wise sampling up to a leaf budget, adaptive branching.
    case treePO = "treepo"
}

/// How TreePO splits the branches of a level among the active paths (method.md
/// section 5).
public enum TreeBranchingMode: String, Codable, Sendable, CaseIterable {
    /// Evenly.
    case fixed
    /// Weighted by softmax(−logp / T): uncertain paths get more branches.
    case logprob
}

/// Which form of SPO-tree's edge advantage (method.md section 4).
public enum TreeAdvantageForm: String, Codable, Sendable, CaseIterable {
    /// A = V(child) − V(parent).
    case rloo
    /// A = (V(child) − V(parent)) / (population std of the siblings' values + ε).
    case grpo
}

/// The estimator of the KL penalty to the reference policy (method.md section 7).
public enum KLEstimator: String, Codable, Sendable, CaseIterable {
    /// k3: Δ = clamp(log π_ref − log π), kl = e^Δ − Δ − 1.
    case k3
}

/// How new policy weights reach the generate and value stages (issue 4).
public enum WeightsTransport: String, Codable, Sendable, CaseIterable {
    /// The optimizer writes a checkpoint file and announces it (one host or a shared disk).
    case checkpointFile = "checkpoint_file"
    /// The weights travel in chunks over ZeroMQ (hosts without a shared disk).
    case stream
}

extension PartitionKind: SpecChoice {}
extension ValueKind: SpecChoice {}
extension AdvantageKind: SpecChoice {}
extension TreeKind: SpecChoice {}
extension TreeBranchingMode: SpecChoice {}
extension TreeAdvantageForm: SpecChoice {}
extension KLEstimator: SpecChoice {}
extension WeightsTransport: SpecChoice {}
