/// One TreePO tree as `TreePOSampler` returns it (docs/method.md section 5): the sampled
/// tree with why each leaf stopped and what sampling it cost.
///
/// `tree.nodes` are in the order they were decoded: the root, then round by round, each
/// round in the order of the parents and then of the child index; without fallback
/// restarts that is breadth first. Every inner node's segment is exactly
/// `tree.segment_tokens` (L) tokens, so a leaf at depth d has boundaries 0, L, …, (d−1)·L,
/// R and `tree.leaves` are valid `TreeLeaf`s for the `tree` partition and value stages.
public struct TreePOTree: Sendable, Equatable {
    /// The nodes, their segments, and the leaves' rewards.
    public internal(set) var tree: SampledTree
    /// Why each node of `tree.nodes` stopped, aligned with it; nil for the root and the
    /// inner nodes.
    public internal(set) var stopReasons: [TreePOStopReason?]
    /// Fallback restarts made (paths restarted from a finished leaf's prefix).
    public internal(set) var restarts = 0
    /// Response tokens run through the model again to restart: the restarted prefixes
    /// (a prefill; the prompt itself is kept and forked, not recomputed).
    public internal(set) var refilledTokens = 0
    /// Tokens decoded after a completed answer line and cut off.
    public internal(set) var discardedTokens = 0

    /// A tree holding only the root (the prompt).
    init(prompt: [Int32], groupID: String) {
        tree = SampledTree(prompt: prompt, groupID: groupID)
        stopReasons = [nil]
    }

    /// Leaves so far.
    public var leafCount: Int { stopReasons.lazy.filter { $0 != nil }.count }

    /// The stop reason of each leaf, in `tree.leafIndices` (path) order.
    public var leafStopReasons: [TreePOStopReason] { tree.leafIndices.map { stopReasons[$0]! } }

    /// Leaves per stop reason.
    public var stopCounts: [TreePOStopReason: Int] {
        stopReasons.reduce(into: [:]) { counts, reason in if let reason { counts[reason, default: 0] += 1 } }
    }

    /// Decoding against independent sampling of the same leaves (`SampledTree.cost`), with
    /// the tokens cut off after an answer line counted as decoded.
    public var cost: TreeSamplingCost {
        var cost = tree.cost
        cost.decodedTokens += discardedTokens
        return cost
    }
}

extension TreePOTree {
    /// The generate stage's metrics for `trees`: the stop reasons
    /// (`generate/treepo_stop_<reason>`, every reason, 0 when none), restarts, refilled and
    /// discarded tokens.
    public static func metrics(_ trees: [TreePOTree]) -> [String: Double] {
        var metrics: [String: Double] = [
            "generate/treepo_restarts": Double(trees.reduce(0) { $0 + $1.restarts }),
            "generate/treepo_refilled_tokens": Double(trees.reduce(0) { $0 + $1.refilledTokens }),
            "generate/treepo_discarded_tokens": Double(trees.reduce(0) { $0 + $1.discardedTokens }),
        ]
        for reason in TreePOStopReason.allCases {
            metrics["generate/treepo_stop_\(reason.rawValue)"] = Double(trees.reduce(0) { $0 + ($1.stopCounts[reason] ?? 0) })
        }
        return metrics
    }
}
