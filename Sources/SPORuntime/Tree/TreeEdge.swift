import SPOWire

/// One edge parent → child of an SPO-tree, the training sample it becomes
/// (docs/method.md section 4): context = prompt + the ancestors' segments, response =
/// the child's segment, every segment token carrying the edge's constant advantage.
public struct TreeEdge: Sendable, Equatable {
    /// The child's path (child index per level, root first), [d], d ≥ 1; the parent's
    /// path is `path.dropLast()`.
    public let path: [Int]
    /// The first leaf (in the order given to `TreeValues`) of the child's subtree: the
    /// rollout whose response holds this segment.
    public let leafIndex: Int
    /// Response tokens of the ancestors' segments (prompt excluded), [S].
    public let ancestorTokens: [Int32]
    /// The child's segment, [n], n ≥ 1.
    public let tokens: [Int32]
    /// log π_old of the segment's tokens as sampled, [n].
    public let oldLogProbabilities: [Float]
    /// V(parent) and V(child).
    public let parentValue: Double
    public let childValue: Double
    /// A of the edge (`rloo` or `grpo` form, see `TreeAdvantage`).
    public let advantage: Double

    /// Creates an edge (`TreeValues.edges` makes them).
    public init(
        path: [Int], leafIndex: Int, ancestorTokens: [Int32], tokens: [Int32], oldLogProbabilities: [Float],
        parentValue: Double, childValue: Double, advantage: Double
    ) {
        self.path = path
        self.leafIndex = leafIndex
        self.ancestorTokens = ancestorTokens
        self.tokens = tokens
        self.oldLogProbabilities = oldLogProbabilities
        self.parentValue = parentValue
        self.childValue = childValue
        self.advantage = advantage
    }

    /// The child's depth d.
    public var depth: Int { path.count }

    /// Whether A is exactly 0 (such edges carry no signal and are dropped).
    public var isZero: Bool { advantage == 0 }
}

extension TrainingSampleLayout {
    /// The training sample of a tree edge after `promptTokens` ([P]), in `group` when given:
    ///
    ///     tokens        = prompt (P) + ancestor segments (S) + segment (n)   [T = P + S + n]
    ///     prompt_length = P + S                                              (the context)
    ///     loss_mask     = 0 × (P + S), then 1 × n
    ///     advantages    = 0 × (P + S), then A × n
    ///     old_log_probs = 0 × (P + S), then log π_old of the segment
    ///
    /// Every segment token is in the loss mask; the probability mask, when the method has
    /// it, is applied by the optimizer.
    public static func sample(
        promptTokens: [Int32], edge: TreeEdge, group: SampleGroup? = nil
    ) throws(WireValidationError) -> TrainingSample {
        let context = promptTokens.count + edge.ancestorTokens.count, n = edge.tokens.count
        let padding = [Float](repeating: 0, count: context)
        return try TrainingSample(
            tokens: promptTokens + edge.ancestorTokens + edge.tokens, promptLength: context,
            lossMask: [UInt8](repeating: 0, count: context) + [UInt8](repeating: 1, count: n),
            advantages: padding + [Float](repeating: Float(edge.advantage), count: n),
            oldLogProbs: padding + edge.oldLogProbabilities, group: group)
    }
}
