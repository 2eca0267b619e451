import SPOModel
import SPOPipelineSpec

/// One prompt to grow a tree from.
public struct TreePrompt: Sendable, Equatable {
    /// The prompt's tokens, [P], P ≥ 1.
    public var tokens: [Int32]
    /// The tree's group (`<prompt_id>@<iteration>` in the pipeline); seeds derive from it.
    public var groupID: String

    /// A prompt of group `groupID`.
    public init(tokens: [Int32], groupID: String) {
        self.tokens = tokens
        self.groupID = groupID
    }
}

/// Samples SPO-trees (docs/method.md section 4) with an `InferenceEngine`.
///
/// With D = `branching.count` levels and M = `segmentTokens`:
/// - the root is the prompt, prefilled once;
/// - level d (1 … D) forks every live node of level d − 1 into `branching[d − 1]`
///   children with `InferenceEngine.fork`, so the children share the parent's KV blocks
///   and next-token logits: no prefix is ever recomputed;
/// - levels 1 … D − 1 generate min(M, budget) tokens, the last level runs to EOS or the
///   budget, where budget = `maxTokens` − response tokens so far (the length limit is on
///   the whole response, across levels);
/// - a child that ends with EOS is a leaf at its depth; a child that reaches `maxTokens`
///   response tokens is a truncated leaf (the reward closure is told, and scores it 0 as
///   the task's reward does for every truncated response, where the reference would grade
///   the cut text on its own).
///
/// Every child of a level, across all the trees of the batch, decodes in one
/// `InferenceEngine.generate` call. The child at path p draws from the stream seeded
/// `SeedDerivation.seed(runSeed, seedName(groupID:path:))`, so a tree does not depend on
/// which other prompts were sampled with it. No stop strings: a stop string spanning two
/// segments would be missed (each segment is its own generate call), so the sampler
/// stops on EOS tokens only.
public struct SPOTreeSampler: Sendable {
    /// Children per node at each level, root first, each ≥ 1; D = its length ≥ 1.
    public let branching: [Int]
    /// M: tokens per segment of levels 1 … D − 1, ≥ 1.
    public let segmentTokens: Int
    /// The length limit of a whole response, ≥ 1.
    public let maxTokens: Int
    /// Sampling temperature (0: greedy) and nucleus mass.
    public let temperature: Float
    public let topP: Float
    /// The run seed the children's seeds derive from.
    public let runSeed: UInt64

    /// A sampler for `tree` with the trajectory sampler's temperature, top-p and length limit.
    ///
    /// - Throws: `RuntimeError` when `branching` is empty or has an entry < 1, or M or
    ///   maxTokens < 1; `SamplingParametersError` for a bad temperature or top-p.
    public init(tree: SPOTreeSettings, temperature: Float, topP: Float, maxTokens: Int, runSeed: UInt64) throws {
        guard !tree.branching.isEmpty, tree.branching.allSatisfy({ $0 >= 1 }) else {
            throw RuntimeError("tree branching \(tree.branching): need at least one level and at least one child per node")
        }
        guard tree.segmentTokens >= 1, maxTokens >= 1 else {
            throw RuntimeError("tree segment_tokens \(tree.segmentTokens) and max_tokens \(maxTokens) must both be >= 1")
        }
        _ = try SamplingParameters(temperature: temperature, topP: topP, maxTokens: maxTokens, seed: 0)
        branching = tree.branching
        segmentTokens = tree.segmentTokens
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.runSeed = runSeed
    }

    /// A sampler for `tree` with the spec's `sampling` settings.
    public init(tree: SPOTreeSettings, sampling: SamplingSettings, runSeed: UInt64) throws {
        try self.init(tree: tree, temperature: Float(sampling.temperature), topP: Float(sampling.topP),
                      maxTokens: sampling.maxTokens, runSeed: runSeed)
    }

    /// `tree/<groupID>/<p_1>.<p_2>…`: the name of the random stream of the child at `path`.
    public static func seedName(groupID: String, path: [Int]) -> String {
        "tree/\(groupID)/\(path.map(String.init).joined(separator: "."))"
    }

    /// The sampling parameters of the child at `path` whose segment starts after
    /// `responseStart` response tokens (at level `path.count`).
    public func parameters(groupID: String, path: [Int], responseStart: Int) throws -> SamplingParameters {
        let budget = maxTokens - responseStart
        precondition(budget >= 1, "a node at the length limit has no children")
        return try SamplingParameters(
            temperature: temperature, topP: topP,
            maxTokens: path.count < branching.count ? min(segmentTokens, budget) : budget,
            seed: SeedDerivation.seed(runSeed, Self.seedName(groupID: groupID, path: path)))
    }

    /// Samples one tree per prompt, all levels batched across the trees, scores the
    /// leaves and releases every engine sequence it made.
    ///
    /// - Parameters:
    ///   - prompts: the prompts, [B].
    ///   - engine: holds the policy; its sequences are all released on return or throw.
    ///   - tokenizer: decodes for the stop checks.
    ///   - eosTokenIDs: ids that end a response; nil: the model's (see `generate`).
    ///   - reward: (prompt index in `prompts`, whole response tokens, truncated) → the
    ///     leaf's reward; it must give a truncated response 0 (the tasks' reward does).
    /// - Returns: the trees, [B], in prompt order.
    public func sample(
        _ prompts: [TreePrompt], engine: InferenceEngine, tokenizer: any Tokenizer, eosTokenIDs: [Int32]? = nil,
        reward: (_ prompt: Int, _ response: [Int32], _ truncated: Bool) throws -> Double
    ) throws -> [SampledTree] {
        guard !prompts.isEmpty else { return [] }
        var trees = prompts.map { SampledTree(prompt: $0.tokens, groupID: $0.groupID) }
        var held = Set<InferenceEngine.SequenceID>()
        defer { held.forEach(engine.release) }
        func release(_ id: InferenceEngine.SequenceID) {
            engine.release(id)
            held.remove(id)
        }
        let roots = try engine.prefill(prompts.map(\.tokens))
        held.formUnion(roots)
        /// The nodes to branch from at the next level: (tree, node index, engine sequence).
        var frontier = roots.enumerated().map { (tree: $0.offset, node: 0, id: $0.element) }
        for level in 1...branching.count where !frontier.isEmpty {
            var children: [(tree: Int, parent: Int, index: Int, id: InferenceEngine.SequenceID)] = []
            var parameters: [SamplingParameters] = []
            for (t, n, id) in frontier {
                let ids = try engine.fork(id, count: branching[level - 1])
                held.formUnion(ids)
                release(id)
                let parent = trees[t].nodes[n]
                for (k, child) in ids.enumerated() {
                    children.append((t, n, k, child))
                    parameters.append(try self.parameters(
                        groupID: trees[t].groupID, path: parent.path + [k], responseStart: parent.responseEnd))
                }
            }
            let generations = try engine.generate(
                children.map(\.id), parameters: parameters, tokenizer: tokenizer, eosTokenIDs: eosTokenIDs)
            frontier = []
            for ((t, n, k, id), generation) in zip(children, generations) {
                let parent = trees[t].nodes[n]
                let end = parent.responseEnd + generation.tokens.count
                let truncated = generation.stopReason == .maxTokens && end == maxTokens
                let isLeaf = generation.stopReason != .maxTokens || truncated || level == branching.count
                let index = trees[t].nodes.count
                trees[t].nodes.append(SampledTreeNode(
                    path: parent.path + [k], parent: n, responseStart: parent.responseEnd,
                    tokens: generation.tokens, logProbabilities: generation.logProbabilities,
                    stopReason: generation.stopReason, isLeaf: isLeaf, truncated: truncated))
                trees[t].nodes[n].children.append(index)
                if isLeaf { release(id) } else { frontier.append((t, index, id)) }
            }
        }
        for t in trees.indices {
            for n in trees[t].nodes.indices where trees[t].nodes[n].isLeaf {
                trees[t].nodes[n].reward = try reward(t, trees[t].responseTokens(of: n), trees[t].nodes[n].truncated)
            }
        }
        return trees
    }
}
