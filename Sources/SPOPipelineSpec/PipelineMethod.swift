/// The training methods a pipeline spec can name (docs/method.md). Each is the same five
/// stages with other parameters; `preset` says which parameters.
public enum PipelineMethod: String, Codable, Sendable, CaseIterable {
    /// Segment Policy Optimization with probability cut points and Monte Carlo values
    /// at segment boundaries (method.md sections 2–3).
    case spoChain = "spo-chain"
    /// Segment Policy Optimization on a sampling tree: nested-mean node values, one
    /// training sample per edge (section 4).
    case spoTree = "spo-tree"
    /// TreePO: segment-wise adaptive tree sampling with subtree baselines (section 5).
    case treePO = "treepo"
    /// Group-normalised trajectory advantages (section 6).
    case grpo
    /// Leave-one-out trajectory advantages (section 6).
    case rloo
    /// A learned critic with GAE (section 6).
    case ppo
    /// Monte Carlo values at newline steps (sections 3 and 6).
    case vinePPO = "vineppo"

    /// What this method fills in for the keys a spec leaves out.
    public var preset: MethodPreset {
        switch self {
        case .spoChain:
            return MethodPreset(
                partition: .cutpoint, value: .monteCarlo, advantage: .chain, tree: nil,
                probabilityMask: true, promptsPerIteration: 64, samplesPerPrompt: 8, epochs: 2, batchSize: 64)
        case .spoTree:
            return MethodPreset(
                partition: .tree, value: .tree, advantage: .tree, tree: .spoTree,
                probabilityMask: true, promptsPerIteration: 16, samplesPerPrompt: nil, epochs: 1, batchSize: 128)
        case .treePO:
            return MethodPreset(
                partition: .tree, value: .tree, advantage: .treePO, tree: .treePO,
                probabilityMask: false, promptsPerIteration: 16, samplesPerPrompt: nil, epochs: 1, batchSize: 128)
        case .grpo:
            return MethodPreset(
                partition: .whole, value: .none, advantage: .grpo, tree: nil,
                probabilityMask: false, promptsPerIteration: 64, samplesPerPrompt: 8, epochs: 2, batchSize: 64)
        case .rloo:
            return MethodPreset(
                partition: .whole, value: .none, advantage: .rloo, tree: nil,
                probabilityMask: false, promptsPerIteration: 64, samplesPerPrompt: 8, epochs: 2, batchSize: 64)
        case .ppo:
            return MethodPreset(
                partition: .whole, value: .critic, advantage: .gae, tree: nil,
                probabilityMask: false, promptsPerIteration: 64, samplesPerPrompt: 8, epochs: 2, batchSize: 64)
        case .vinePPO:
            return MethodPreset(
                partition: .newline, value: .monteCarlo, advantage: .chain, tree: nil,
                probabilityMask: false, promptsPerIteration: 64, samplesPerPrompt: 8, epochs: 2, batchSize: 64)
        }
    }
}

extension PipelineMethod: SpecChoice {}

/// The defaults one method brings: the kinds of its partition, value, advantage and
/// tree, whether the probability mask is on, and the reference's per-iteration shape
/// (method.md section 7: SPO-chain 64 prompts × 8 samples, 2 epochs, batch 64; SPO-tree
/// 16 prompts, 1 epoch, batch 128). The baselines take SPO-chain's shape and TreePO
/// takes SPO-tree's, so that methods compare at one sampling budget. The parameters of
/// each kind (threshold 0.9, interval 5, 9 rollouts, …) are the kind's own defaults,
/// the same for every method.
public struct MethodPreset: Sendable, Equatable {
    /// How responses are cut into segments.
    public let partition: PartitionKind
    /// How boundary values are estimated.
    public let value: ValueKind
    /// How advantages are computed.
    public let advantage: AdvantageKind
    /// The tree sampler, for the tree methods; nil for the others.
    public let tree: TreeKind?
    /// Whether the loss keeps only tokens with π_old < τ (on for SPO-chain and SPO-tree
    /// only; vanilla PPO has it off although the reference's PPO config leaves it on).
    public let probabilityMask: Bool
    /// Prompts sampled per iteration.
    public let promptsPerIteration: Int
    /// Responses per prompt; nil for the tree methods, whose tree sets the count.
    public let samplesPerPrompt: Int?
    /// Passes over one iteration's samples.
    public let epochs: Int
    /// Training samples per optimizer step.
    public let batchSize: Int
}
