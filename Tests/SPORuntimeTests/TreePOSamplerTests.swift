import SPOPipelineSpec
import XCTest
@testable import SPOModel
@testable import SPORuntime

/// TreePO sampling with a tiny random model (method.md §5): the branching per level
/// against hand computations, stop reasons, the fallback restart, seeds, the KV pool.
final class TreePOSamplerTests: XCTestCase {
    let tokenizer = CharacterTokenizer.makeDefault()

    func makeEngine() -> InferenceEngine {
        let config = try! LlamaConfig(
            hiddenSize: 16, intermediateSize: 24, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: tokenizer.vocabularySize, rmsNormEpsilon: 1e-5, maximumPositions: 64,
            tieWordEmbeddings: true, eosTokenIDs: [tokenizer.eosTokenID])
        return InferenceEngine(model: LlamaModel(config: config, seed: 3, standardDeviation: 0.5), blockSize: 4)
    }

    func settings(
        copies: Int = 2, budget: Int, depth: Int, segment: Int, mode: TreeBranchingMode = .fixed,
        repetition: RepetitionCheck = RepetitionCheck(enabled: false, substringCharacters: 32, minOccurrences: 8),
        fallback: Bool = false
    ) -> TreePOSettings {
        TreePOSettings(initialCopies: copies, leafBudget: budget, maxDepth: depth, segmentTokens: segment, branchingMode: mode,
                       logprobTemperature: 1, repetition: repetition, fallback: fallback)
    }

    func sampler(_ settings: TreePOSettings, maxTokens: Int, seed: UInt64 = 7) throws -> TreePOSampler {
        try TreePOSampler(tree: settings, temperature: 1, topP: 1, maxTokens: maxTokens, runSeed: seed, answer: .gsm8k)
    }

    let prompts = ["12+3=", "7*8=", "Q: 5+5?"]
    func treePrompts(_ indices: [Int]) -> [TreePrompt] {
        indices.map { TreePrompt(tokens: tokenizer.encode(prompts[$0]), groupID: "p\($0)@0") }
    }

    /// 0 when truncated, else 1.
    func reward(_ prompt: Int, _ response: [Int32], _ truncated: Bool) -> Double { truncated ? 0 : 1 }

    func childCounts(_ tree: SampledTree) -> [[Int]: Int] {
        Dictionary(uniqueKeysWithValues: tree.nodes.map { ($0.path, $0.children.count) })
    }

    func assertFreed(_ engine: InferenceEngine, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(engine.sequenceCount, 0, file: file, line: line)
        XCTAssertEqual(engine.cache.blocksInUse, 0, file: file, line: line)
    }

    /// W = 5, d = 2, L = 3, max depth 3, no EOS. Level 1: the 2 copies. After it: total =
    /// max(min(5 − 0, 2·(0 + 2)), 2) = 4, split 2 + 2. After level 2: min(5, 2·4) = 5
    /// among 4 paths: 2 + 1 + 1 + 1. Level 3 is the max depth: 5 leaves.
    func testBranchingPerLevelByHand() throws {
        let engine = makeEngine()
        let sampled = try sampler(settings(budget: 5, depth: 3, segment: 3), maxTokens: 20).sample(
            treePrompts([0]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        let tree = sampled.tree
        XCTAssertEqual(childCounts(tree), [
            []: 2, [0]: 2, [1]: 2, [0, 0]: 2, [0, 1]: 1, [1, 0]: 1, [1, 1]: 1,
            [0, 0, 0]: 0, [0, 0, 1]: 0, [0, 1, 0]: 0, [1, 0, 0]: 0, [1, 1, 0]: 0,
        ])
        XCTAssertEqual(tree.leafIndices.map { tree.nodes[$0].path }, [[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0]])
        XCTAssertEqual(sampled.leafStopReasons, Array(repeating: .maxDepth, count: 5))
        XCTAssertTrue(tree.nodes.dropFirst().allSatisfy { $0.tokens.count == 3 && $0.logProbabilities.count == 3 })
        XCTAssertTrue(tree.leafIndices.allSatisfy { tree.nodes[$0].truncated && tree.nodes[$0].reward == 0 })
        XCTAssertEqual(tree.leaves.map(\.boundaries), Array(repeating: [0, 3, 6, 9], count: 5))
        // 2 + 4 + 5 segments of 3 tokens against 5 leaves × 9 tokens.
        XCTAssertEqual(sampled.cost, TreeSamplingCost(trees: 1, leaves: 5, decodedSegments: 11, independentSegments: 15,
                                                      decodedTokens: 33, independentTokens: 45))
        XCTAssertEqual(sampled.restarts, 0)
        XCTAssertNoThrow(try TreeValues(leaves: tree.leaves))
        assertFreed(engine)
    }

    /// W = 4, d = 2, L = 3, max_tokens 7: after level 1, min(4, 2·2) = 4 (2 + 2); after
    /// level 2, min(4, 2·4) = 4 among 4 (1 each); level 3 has 7 − 6 = 1 token of budget
    /// and every path stops on the length limit.
    func testLengthLimit() throws {
        let engine = makeEngine()
        let sampled = try sampler(settings(budget: 4, depth: 5, segment: 3), maxTokens: 7).sample(
            treePrompts([1]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        XCTAssertEqual(sampled.tree.leafIndices.map { sampled.tree.nodes[$0].path }, [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0]])
        XCTAssertEqual(sampled.tree.nodes.map { $0.tokens.count }, [0, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1])
        XCTAssertEqual(sampled.leafStopReasons, Array(repeating: .length, count: 4))
        XCTAssertEqual(sampled.stopCounts, [.length: 4])
        assertFreed(engine)
    }

    /// Every 16th token id ends a response, so paths stop early with `.eos` and the
    /// budget goes to the others. Level by level, each inner node's children follow the
    /// branching formula on the counts read off the tree (finished so far, just finished,
    /// active); stop reasons match the nodes.
    func testEarlyStopsAndBranchingPerLevel() throws {
        let eos = (0..<Int32(tokenizer.vocabularySize)).filter { $0 % 16 == 1 }
        let engine = makeEngine()
        let trees = try sampler(settings(budget: 6, depth: 3, segment: 3), maxTokens: 20).sample(
            treePrompts([0, 1, 2]), engine: engine, tokenizer: tokenizer, eosTokenIDs: eos, reward: reward)
        var earlyLeaves = 0, wideBranches = 0
        for sampled in trees {
            let tree = sampled.tree
            XCTAssertLessThanOrEqual(sampled.leafCount, 6)
            XCTAssertEqual(tree.nodes[0].children.count, 2)
            for (n, node) in tree.nodes.enumerated().dropFirst() {
                switch sampled.stopReasons[n] {
                case nil:
                    XCTAssertEqual(node.tokens.count, 3)
                    XCTAssertFalse(node.tokens.contains { eos.contains($0) })
                    XCTAssertFalse(node.isLeaf)
                case .eos?:
                    XCTAssertTrue(eos.contains(node.tokens.last!))
                    XCTAssertFalse(node.truncated)
                    XCTAssertEqual(node.reward, 1)
                    if node.depth < 3 { earlyLeaves += 1 }
                case .maxDepth?:
                    XCTAssertEqual(node.depth, 3)
                    XCTAssertEqual(node.tokens.count, 3)
                    XCTAssertTrue(node.truncated)
                    XCTAssertEqual(node.reward, 0)
                case let other?:
                    XCTFail("unexpected stop \(other) at \(node.path)")
                }
            }
            for depth in 1...2 {
                let level = tree.nodes.indices.filter { tree.nodes[$0].depth == depth }
                let active = level.filter { sampled.stopReasons[$0] == nil }
                guard !active.isEmpty else { continue }
                let finished = tree.nodes.indices.filter { tree.nodes[$0].depth <= depth && sampled.stopReasons[$0] != nil }.count
                let total = TreePOBranching.total(
                    leafBudget: 6, initialCopies: 2, finished: finished, justFinished: level.count - active.count,
                    active: active.count)
                XCTAssertEqual(active.map { tree.nodes[$0].children.count },
                               TreePOBranching.split(total, weights: active.map { _ in 1 }), "depth \(depth) of \(tree.groupID)")
                wideBranches += active.filter { tree.nodes[$0].children.count > 1 }.count
            }
            XCTAssertNoThrow(try TreeValues(leaves: tree.leaves))
        }
        XCTAssertGreaterThan(earlyLeaves, 0, "the seeds give early EOS leaves")
        XCTAssertGreaterThan(wideBranches, 0, "and paths with several children")
        assertFreed(engine)
    }

    /// `logprob` branching: after level 1 (total 4) and level 2 (total min(8, 2·4) = 8),
    /// children follow softmax(−mean segment log-prob), split by largest remainder.
    func testLogprobBranching() throws {
        let engine = makeEngine()
        let sampled = try sampler(settings(budget: 8, depth: 3, segment: 3, mode: .logprob), maxTokens: 20).sample(
            treePrompts([2]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        let tree = sampled.tree
        for (depth, total) in [(1, 4), (2, 8)] {
            let level = tree.nodes.filter { $0.depth == depth }
            let means = level.map { Double($0.logProbabilities.reduce(0, +)) / Double($0.logProbabilities.count) }
            XCTAssertEqual(level.map(\.children.count),
                           TreePOBranching.split(total, weights: TreePOBranching.logprobWeights(means, temperature: 1)))
        }
        XCTAssertEqual(sampled.leafCount, 8)
        assertFreed(engine)
    }

    /// d = 1, W = 3, max depth 2, no EOS: the first path ends at depth 2 with one leaf, so
    /// the fallback restarts twice (each branching gives exactly one child: min(W −
    /// finished, 1·1) = 1), each restart a new child (index ≥ 1) of an ancestor of a leaf,
    /// its prefix refilled. Every leaf equals its path re-generated alone from the prompt,
    /// and the tree is the same sampled alone, again, or with other prompts.
    func testFallbackRestartsAndDeterminism() throws {
        let sampler = try sampler(settings(copies: 1, budget: 3, depth: 2, segment: 3, fallback: true), maxTokens: 20)
        let engine = makeEngine()
        let alone = try sampler.sample(treePrompts([1]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        assertFreed(engine)
        let tree = alone.tree
        XCTAssertEqual(alone.leafCount, 3)
        XCTAssertEqual(alone.restarts, 2)
        XCTAssertEqual(alone.leafStopReasons, [.maxDepth, .maxDepth, .maxDepth])
        let restarted = tree.nodes.filter { ($0.path.last ?? 0) >= 1 }
        XCTAssertEqual(restarted.count, 2)
        XCTAssertEqual(alone.refilledTokens, restarted.reduce(0) { $0 + $1.responseStart })
        XCTAssertNoThrow(try TreeValues(leaves: tree.leaves))

        for leaf in tree.leafIndices {
            let fresh = makeEngine()
            let id = try fresh.prefill([tree.prompt])[0]
            var tokens: [Int32] = []
            for d in 1...tree.nodes[leaf].depth {
                let parameters = try sampler.parameters(
                    groupID: tree.groupID, path: Array(tree.nodes[leaf].path[..<d]), responseStart: tokens.count)
                tokens += try fresh.generate([id], parameters: [parameters], tokenizer: tokenizer, eosTokenIDs: [])[0].tokens
            }
            XCTAssertEqual(tree.responseTokens(of: leaf), tokens, "leaf \(tree.nodes[leaf].path)")
        }

        let again = try sampler.sample(treePrompts([1]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        XCTAssertEqual(again, alone)
        let batched = try sampler.sample(treePrompts([0, 1, 2]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)
        assertSameTree(batched[1], alone)
        XCTAssertEqual(batched.map(\.restarts), [2, 2, 2])
        let reseeded = try self.sampler(settings(copies: 1, budget: 3, depth: 2, segment: 3, fallback: true), maxTokens: 20, seed: 8)
            .sample(treePrompts([1]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        XCTAssertNotEqual(reseeded.tree.nodes.map(\.tokens), tree.nodes.map(\.tokens))
        assertFreed(engine)
    }

    /// Same structure, tokens, stop reasons and rewards; log-probs equal up to the rounding
    /// of differently packed batches.
    func assertSameTree(_ a: TreePOTree, _ b: TreePOTree, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.stopReasons, b.stopReasons, file: file, line: line)
        XCTAssertEqual([a.restarts, a.refilledTokens], [b.restarts, b.refilledTokens], file: file, line: line)
        XCTAssertEqual(a.tree.nodes.count, b.tree.nodes.count, file: file, line: line)
        for (x, y) in zip(a.tree.nodes, b.tree.nodes) {
            XCTAssertEqual([x.path, x.children], [y.path, y.children], file: file, line: line)
            XCTAssertEqual(x.tokens, y.tokens, file: file, line: line)
            XCTAssertEqual(x.reward, y.reward, file: file, line: line)
            for (p, q) in zip(x.logProbabilities, y.logProbabilities) { XCTAssertEqual(p, q, accuracy: 1e-5, file: file, line: line) }
        }
    }

    /// Logprob branching, EOS stops and the fallback together: a tree sampled alone equals
    /// the same tree sampled beside two others; the KV pool is empty afterwards.
    func testTreesDoNotDependOnBatching() throws {
        let eos = (0..<Int32(tokenizer.vocabularySize)).filter { $0 % 16 == 1 }
        let sampler = try sampler(settings(budget: 6, depth: 3, segment: 3, mode: .logprob, fallback: true), maxTokens: 20)
        let engine = makeEngine()
        let alone = try sampler.sample(treePrompts([2]), engine: engine, tokenizer: tokenizer, eosTokenIDs: eos, reward: reward)
        let batched = try sampler.sample(treePrompts([0, 1, 2]), engine: engine, tokenizer: tokenizer, eosTokenIDs: eos, reward: reward)
        assertSameTree(batched[2], alone[0])
        XCTAssertTrue(batched.allSatisfy { $0.leafCount == 6 }, "the fallback fills every budget: \(batched.map(\.leafCount))")
        assertFreed(engine)
    }

    /// The stop checks on hand-made segments (L = 6, max_tokens 18, max depth 4,
    /// repetition: a 3-character substring twice), built on the response "\n1+1=2":
    ///
    ///     [0]       "\n1+1=2"        goes on
    ///     [0,0]     "\n#### "        goes on (no newline after the marker yet)
    ///     [0,0,0]   "2\nxyz" + EOS   answer: cut after "2\n", 4 tokens discarded
    ///     [0,0,1]   "5 7 9" + EOS    answer: EOS with the marker in the text
    ///     [0,1]     "abcabc"         repetition ("abc" twice)
    ///     [0,2]     "x=3" + EOS      eos (no marker)
    ///     [0,3]     "\n+1+2+"        goes on
    ///     [0,3,0]   "3+4+5+"         length (18 tokens)
    ///
    /// and with max depth 2, "\n+1+2+" after "\n1+1=2" stops at the max depth.
    func testStopChecks() throws {
        let repetition = RepetitionCheck(enabled: true, substringCharacters: 3, minOccurrences: 2)
        let sampler = try sampler(settings(copies: 1, budget: 8, depth: 4, segment: 6, repetition: repetition), maxTokens: 18)
        let engine = makeEngine()
        let id = engine.makeSequence()
        var tree = TreePOTree(prompt: tokenizer.encode("Q"), groupID: "g")
        func add(_ text: String, eos: Bool = false, parent: Int, index: Int, to tree: inout TreePOTree,
                 with sampler: TreePOSampler) -> Int {
            let tokens = tokenizer.encode(text) + (eos ? [tokenizer.eosTokenID] : [])
            let generation = Generation(tokens: tokens, logProbabilities: tokens.map { _ in -0.5 },
                                        stopReason: eos ? .eos : .maxTokens)
            return sampler.append(generation, as: .init(tree: 0, parent: parent, index: index, id: id), to: &tree, tokenizer: tokenizer)
        }
        let n1 = add("\n1+1=2", parent: 0, index: 0, to: &tree, with: sampler)
        let n2 = add("\n#### ", parent: n1, index: 0, to: &tree, with: sampler)
        let n3 = add("2\nxyz", eos: true, parent: n2, index: 0, to: &tree, with: sampler)
        let n4 = add("5 7 9", eos: true, parent: n2, index: 1, to: &tree, with: sampler)
        let n5 = add("abcabc", parent: n1, index: 1, to: &tree, with: sampler)
        let n6 = add("x=3", eos: true, parent: n1, index: 2, to: &tree, with: sampler)
        let n7 = add("\n+1+2+", parent: n1, index: 3, to: &tree, with: sampler)
        let n8 = add("3+4+5+", parent: n7, index: 0, to: &tree, with: sampler)
        XCTAssertEqual([n1, n2, n3, n4, n5, n6, n7, n8].map { tree.stopReasons[$0] },
                       [nil, nil, .answer, .answer, .repetition, .eos, nil, .length])
        let nodes = tree.tree.nodes
        XCTAssertEqual(tokenizer.decode(tree.tree.responseTokens(of: n3)), "\n1+1=2\n#### 2\n")
        XCTAssertEqual(nodes[n3].logProbabilities.count, 2)
        XCTAssertEqual(nodes[n3].stopReason, .stopString)
        XCTAssertEqual(tree.discardedTokens, 4)
        XCTAssertEqual(nodes[n4].stopReason, .eos)
        XCTAssertEqual([n3, n4, n5, n6, n8].map { nodes[$0].truncated }, [false, false, true, false, true])
        XCTAssertEqual(nodes[n8].responseEnd, 18)
        XCTAssertEqual(nodes[n1].children, [n2, n5, n6, n7])
        XCTAssertEqual(nodes[n8].path, [0, 3, 0])
        // Decoded: 6 + 6 + 6 (2 kept) + 6 + 6 + 4 + 6 + 6 = 46 tokens.
        XCTAssertEqual(tree.cost.decodedTokens, 46)

        let shallow = try self.sampler(settings(copies: 1, budget: 8, depth: 2, segment: 6, repetition: repetition), maxTokens: 18)
        var other = TreePOTree(prompt: tokenizer.encode("Q"), groupID: "g")
        let m1 = add("\n1+1=2", parent: 0, index: 0, to: &other, with: shallow)
        let m2 = add("\n+1+2+", parent: m1, index: 0, to: &other, with: shallow)
        XCTAssertEqual([other.stopReasons[m1], other.stopReasons[m2]], [nil, .maxDepth])
        XCTAssertTrue(other.tree.nodes[m2].truncated)
        engine.release(id)
    }

    func testInvalidSettingsThrow() {
        XCTAssertThrowsError(try sampler(settings(copies: 3, budget: 2, depth: 2, segment: 3), maxTokens: 10))
        XCTAssertThrowsError(try sampler(settings(budget: 4, depth: 0, segment: 3), maxTokens: 10))
        XCTAssertThrowsError(try sampler(settings(budget: 4, depth: 2, segment: 0), maxTokens: 10))
        XCTAssertEqual(try sampler(settings(budget: 4, depth: 2, segment: 3), maxTokens: 10)
            .sample([], engine: makeEngine(), tokenizer: tokenizer, reward: reward), [])
    }
}
