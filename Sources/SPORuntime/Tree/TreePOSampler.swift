import SPOModel
import SPOPipelineSpec

/// Samples TreePO trees (docs/method.md section 5) with an `InferenceEngine`.
///
/// With d = `initialCopies`, W = `leafBudget`, L = `segmentTokens`:
/// - each prompt is prefilled once and forked into d paths (children 0 … d−1 of the root);
/// - every round decodes one segment of min(L, budget) tokens for every live path of every
///   tree of the batch in one `InferenceEngine.generate` call (budget = `maxTokens` −
///   response tokens so far);
/// - a path then stops (`TreePOStopReason`, checked in this order) on a found answer (its
///   `####` line completed by a newline: the segment is cut right after that newline), on
///   EOS (`.answer` when its text holds the answer marker, else `.eos`), on repetition in
///   the segment's text (`TreePORepetition`), on the length limit, or at `maxDepth`
///   segments; cut paths (length, max depth, repetition) are scored as truncated (0);
/// - after the round, per tree (`TreePOBranching`): remaining = max(W − finished, 0),
///   total = max(min(remaining, d·(just_finished + active)), active), split among the
///   active paths evenly (`fixed`) or ∝ softmax(−logp_i / T) (`logprob`, logp_i the mean
///   token log-probability of path i's latest segment), at least 1 each; path i is forked
///   into its c_i children with `InferenceEngine.fork`, which share its KV blocks and
///   next-token logits, so no prefix is recomputed;
/// - fallback (when enabled): a tree with no active path and fewer than W leaves restarts
///   one path per round from a finished leaf (one with stop reason `.answer` when there
///   is any, else any leaf) cut at a segment boundary k·L, k uniform in 0 ..< the leaf's
///   depth, both drawn from the stream `fallbackSeedName(groupID:restart:)`; the new path
///   is the next child of the leaf's depth-k ancestor (a sibling in the same tree). Its
///   state is the tree's prompt sequence (kept until the end) forked and extended with the
///   k·L kept response tokens: a prefill of the prefix, counted in `refilledTokens`.
///
/// The node at path p draws from the stream seeded `SeedDerivation.seed(runSeed,
/// seedName(groupID:path:))`, so a tree does not depend on which other prompts were
/// sampled with it. The segment's EOS is the only engine stop (no stop strings: a stop
/// string spanning two segments would be missed); the answer line is found on the
/// decoded response after each segment.
public struct TreePOSampler: Sendable {
    /// d, W, the depth limit, L, the branching mode, T, the repetition check and fallback.
    public let settings: TreePOSettings
    /// The length limit of a whole response, ≥ 1.
    public let maxTokens: Int
    /// Sampling temperature (0: greedy) and nucleus mass.
    public let temperature: Float
    public let topP: Float
    /// The run seed the paths' seeds derive from.
    public let runSeed: UInt64
    /// The task's "found answer" rule.
    public let answer: TreePOAnswerCheck

    /// A sampler for `tree` with the trajectory sampler's temperature, top-p and length limit.
    ///
    /// - Throws: `RuntimeError` when d < 1, W < d, max_depth, L or maxTokens < 1, T ≤ 0, or
    ///   the repetition sizes < 1; `SamplingParametersError` for a bad temperature or top-p.
    public init(
        tree: TreePOSettings, temperature: Float, topP: Float, maxTokens: Int, runSeed: UInt64, answer: TreePOAnswerCheck
    ) throws {
        guard tree.initialCopies >= 1, tree.leafBudget >= tree.initialCopies else {
            throw RuntimeError("treepo initial_copies \(tree.initialCopies) and leaf_budget \(tree.leafBudget): need 1 <= initial_copies <= leaf_budget")
        }
        guard tree.maxDepth >= 1, tree.segmentTokens >= 1, maxTokens >= 1 else {
            throw RuntimeError("treepo max_depth \(tree.maxDepth), segment_tokens \(tree.segmentTokens) and max_tokens \(maxTokens) must all be >= 1")
        }
        guard tree.logprobTemperature > 0, tree.repetition.substringCharacters >= 1, tree.repetition.minOccurrences >= 1 else {
            throw RuntimeError("treepo logprob_temperature \(tree.logprobTemperature) must be > 0 and repetition sizes \(tree.repetition.substringCharacters), \(tree.repetition.minOccurrences) >= 1")
        }
        _ = try SamplingParameters(temperature: temperature, topP: topP, maxTokens: maxTokens, seed: 0)
        settings = tree
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.runSeed = runSeed
        self.answer = answer
    }

    /// A sampler for `tree` with the spec's `sampling` settings.
    public init(tree: TreePOSettings, sampling: SamplingSettings, runSeed: UInt64, answer: TreePOAnswerCheck) throws {
        try self.init(tree: tree, temperature: Float(sampling.temperature), topP: Float(sampling.topP),
                      maxTokens: sampling.maxTokens, runSeed: runSeed, answer: answer)
    }

    /// `treepo/<groupID>/<p_1>.<p_2>…`: the name of the random stream of the node at `path`.
    public static func seedName(groupID: String, path: [Int]) -> String {
        "treepo/\(groupID)/\(path.map(String.init).joined(separator: "."))"
    }

    /// `treepo/<groupID>/fallback/<restart>`: the stream that picks the leaf and the cut of
    /// the tree's restart number `restart` (from 0).
    public static func fallbackSeedName(groupID: String, restart: Int) -> String {
        "treepo/\(groupID)/fallback/\(restart)"
    }

    /// The sampling parameters of the node at `path`, whose segment starts after
    /// `responseStart` response tokens: min(L, maxTokens − responseStart) tokens.
    public func parameters(groupID: String, path: [Int], responseStart: Int) throws -> SamplingParameters {
        let budget = maxTokens - responseStart
        precondition(budget >= 1, "a path at the length limit has no children")
        return try SamplingParameters(
            temperature: temperature, topP: topP, maxTokens: min(settings.segmentTokens, budget),
            seed: SeedDerivation.seed(runSeed, Self.seedName(groupID: groupID, path: path)))
    }

    /// A segment to decode: the next child (index `index`) of node `parent` of tree `tree`,
    /// held by engine sequence `id`.
    struct Segment {
        let tree: Int
        let parent: Int
        let index: Int
        let id: InferenceEngine.SequenceID
    }

    /// A path that goes on after a round: its node, sequence and latest segment's mean
    /// token log-probability.
    struct ActivePath {
        let node: Int
        let id: InferenceEngine.SequenceID
        let meanLogProbability: Double
    }

    /// Samples one tree per prompt, all rounds batched across the trees, scores the leaves
    /// and releases every engine sequence it made.
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
    ) throws -> [TreePOTree] {
        guard !prompts.isEmpty else { return [] }
        var trees = prompts.map { TreePOTree(prompt: $0.tokens, groupID: $0.groupID) }
        var held = Set<InferenceEngine.SequenceID>()
        defer { held.forEach(engine.release) }
        func fork(_ id: InferenceEngine.SequenceID, count: Int) throws -> [InferenceEngine.SequenceID] {
            let ids = try engine.fork(id, count: count)
            held.formUnion(ids)
            return ids
        }
        func release(_ id: InferenceEngine.SequenceID) {
            engine.release(id)
            held.remove(id)
        }
        let roots = try engine.prefill(prompts.map(\.tokens))
        held.formUnion(roots)
        var segments: [Segment] = []
        for (t, root) in roots.enumerated() {
            segments += try fork(root, count: settings.initialCopies).enumerated().map {
                Segment(tree: t, parent: 0, index: $0.offset, id: $0.element)
            }
        }
        while true {
            let growing = Set(segments.map(\.tree))
            let restarts = try restartSegments(
                trees: &trees, excluding: growing, roots: roots, engine: engine, fork: { try fork($0, count: 1)[0] })
            segments += restarts
            guard !segments.isEmpty else { break }
            let generations = try engine.generate(
                segments.map(\.id),
                parameters: segments.map { segment in
                    let parent = trees[segment.tree].tree.nodes[segment.parent]
                    return try parameters(groupID: trees[segment.tree].tree.groupID, path: parent.path + [segment.index],
                                          responseStart: parent.responseEnd)
                },
                tokenizer: tokenizer, eosTokenIDs: eosTokenIDs)
            var active = Array(repeating: [ActivePath](), count: trees.count)
            var justFinished = Array(repeating: 0, count: trees.count)
            for (segment, generation) in zip(segments, generations) {
                let node = append(generation, as: segment, to: &trees[segment.tree], tokenizer: tokenizer)
                if trees[segment.tree].stopReasons[node] != nil {
                    release(segment.id)
                    justFinished[segment.tree] += 1
                } else {
                    let logProbabilities = generation.logProbabilities
                    active[segment.tree].append(ActivePath(
                        node: node, id: segment.id,
                        meanLogProbability: Double(logProbabilities.reduce(0, +)) / Double(logProbabilities.count)))
                }
            }
            segments = []
            for t in trees.indices where !active[t].isEmpty {
                let counts = childCounts(active[t], finished: trees[t].leafCount, justFinished: justFinished[t])
                for (path, count) in zip(active[t], counts) {
                    segments += try fork(path.id, count: count).enumerated().map {
                        Segment(tree: t, parent: path.node, index: $0.offset, id: $0.element)
                    }
                    release(path.id)
                }
            }
        }
        for t in trees.indices {
            for n in trees[t].tree.nodes.indices where trees[t].tree.nodes[n].isLeaf {
                trees[t].tree.nodes[n].reward = try reward(
                    t, trees[t].tree.responseTokens(of: n), trees[t].tree.nodes[n].truncated)
            }
        }
        return trees
    }

    /// The children of each active path of one tree after a round (`TreePOBranching`).
    func childCounts(_ active: [ActivePath], finished: Int, justFinished: Int) -> [Int] {
        let total = TreePOBranching.total(
            leafBudget: settings.leafBudget, initialCopies: settings.initialCopies, finished: finished,
            justFinished: justFinished, active: active.count)
        switch settings.branchingMode {
        case .fixed:
            return TreePOBranching.split(total, weights: active.map { _ in 1 })
        case .logprob:
            return TreePOBranching.split(total, weights: TreePOBranching.logprobWeights(
                active.map(\.meanLogProbability), temperature: settings.logprobTemperature))
        }
    }

    /// Adds the node that `generation` decoded for `segment` to `tree`, cut after a
    /// completed answer line, with its stop reason (nil: it goes on); returns its index.
    func append(_ generation: Generation, as segment: Segment, to tree: inout TreePOTree, tokenizer: any Tokenizer) -> Int {
        let parent = tree.tree.nodes[segment.parent]
        precondition(parent.children.count == segment.index, "TreePO: child \(segment.index) of \(parent.path) out of order")
        let prefix = tree.tree.responseTokens(of: segment.parent)
        var tokens = generation.tokens, logProbabilities = generation.logProbabilities
        var engineStop = generation.stopReason
        let reason: TreePOStopReason?
        if let kept = answer.cut(prefix: prefix, segment: tokens, tokenizer: tokenizer) {
            tree.discardedTokens += tokens.count - kept
            tokens.removeLast(tokens.count - kept)
            logProbabilities.removeLast(logProbabilities.count - kept)
            engineStop = .stopString
            reason = .answer
        } else if engineStop != .maxTokens {
            reason = answer.holdsMarker(tokenizer.decode(prefix + tokens)) ? .answer : .eos
        } else if settings.repetition.enabled, TreePORepetition.isRepetitive(
            tokenizer.decode(tokens), substringCharacters: settings.repetition.substringCharacters,
            minOccurrences: settings.repetition.minOccurrences) {
            reason = .repetition
        } else if parent.responseEnd + tokens.count == maxTokens {
            reason = .length
        } else if parent.depth + 1 == settings.maxDepth {
            reason = .maxDepth
        } else {
            reason = nil
        }
        let index = tree.tree.nodes.count
        tree.tree.nodes.append(SampledTreeNode(
            path: parent.path + [segment.index], parent: segment.parent, responseStart: parent.responseEnd,
            tokens: tokens, logProbabilities: logProbabilities, stopReason: engineStop, isLeaf: reason != nil,
            truncated: reason?.isTruncation ?? false))
        tree.tree.nodes[segment.parent].children.append(index)
        tree.stopReasons.append(reason)
        return index
    }

    /// Fallback restarts for the trees not in `growing` that have fewer than W leaves: one
    /// path each, its prefix re-extended in one batch (see the type's description).
    func restartSegments(
        trees: inout [TreePOTree], excluding growing: Set<Int>, roots: [InferenceEngine.SequenceID],
        engine: InferenceEngine, fork: (InferenceEngine.SequenceID) throws -> InferenceEngine.SequenceID
    ) throws -> [Segment] {
        guard settings.fallback else { return [] }
        var segments: [Segment] = [], refills: [(id: InferenceEngine.SequenceID, tokens: [Int32])] = []
        for t in trees.indices where !growing.contains(t) && trees[t].leafCount < settings.leafBudget {
            let leaves = trees[t].tree.leafIndices
            guard !leaves.isEmpty else { continue }
            let answered = leaves.filter { trees[t].stopReasons[$0] == .answer }
            let candidates = answered.isEmpty ? leaves : answered
            var stream = RandomStream(seed: SeedDerivation.seed(
                runSeed, Self.fallbackSeedName(groupID: trees[t].tree.groupID, restart: trees[t].restarts)))
            let leaf = candidates[stream.nextInt(below: candidates.count)]
            let cut = stream.nextInt(below: trees[t].tree.nodes[leaf].depth)
            let ancestor = cut == 0 ? 0 : trees[t].tree.pathNodes(to: leaf)[cut - 1]
            let id = try fork(roots[t])
            let prefix = trees[t].tree.responseTokens(of: ancestor)
            if !prefix.isEmpty { refills.append((id, prefix)) }
            trees[t].restarts += 1
            trees[t].refilledTokens += prefix.count
            segments.append(Segment(tree: t, parent: ancestor, index: trees[t].tree.nodes[ancestor].children.count, id: id))
        }
        if !refills.isEmpty { try engine.extend(refills.map(\.id), with: refills.map(\.tokens)) }
        return segments
    }
}
