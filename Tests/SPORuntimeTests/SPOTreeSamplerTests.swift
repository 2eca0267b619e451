import SPOModel
import SPOPipelineSpec
import XCTest
@testable import SPORuntime

/// SPO-tree sampling with a tiny random model (method.md §4): shapes, prefix sharing,
/// seeds, early stops, truncation and the KV pool.
final class SPOTreeSamplerTests: XCTestCase {
    let tokenizer = CharacterTokenizer.makeDefault()

    func makeEngine() -> InferenceEngine {
        let config = try! LlamaConfig(
            hiddenSize: 16, intermediateSize: 24, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: tokenizer.vocabularySize, rmsNormEpsilon: 1e-5, maximumPositions: 64,
            tieWordEmbeddings: true, eosTokenIDs: [tokenizer.eosTokenID])
        return InferenceEngine(model: LlamaModel(config: config, seed: 3, standardDeviation: 0.5), blockSize: 4)
    }

    func sampler(_ branching: [Int], segment: Int, maxTokens: Int, seed: UInt64 = 7) throws -> SPOTreeSampler {
        try SPOTreeSampler(tree: SPOTreeSettings(branching: branching, segmentTokens: segment), temperature: 1,
                           topP: 1, maxTokens: maxTokens, runSeed: seed)
    }

    let prompts = ["12+3=", "7*8=", "Q: 5+5?"]
    func treePrompts(_ indices: [Int]) -> [TreePrompt] {
        indices.map { TreePrompt(tokens: tokenizer.encode(prompts[$0]), groupID: "p\($0)@0") }
    }

    /// A reward that is 0 when truncated, else 1 for an even response length.
    func reward(_ prompt: Int, _ response: [Int32], _ truncated: Bool) -> Double {
        truncated ? 0 : Double(1 - response.count % 2)
    }

    /// 2-3-2 with M = 4, max_tokens 14 and no EOS: every path reaches level 3, whose
    /// segment runs the remaining 14 − 8 = 6 tokens and is truncated there.
    func testFullTreeShapeAndDecodeCount() throws {
        let engine = makeEngine()
        var truncatedCalls = 0
        let tree = try sampler([2, 3, 2], segment: 4, maxTokens: 14).sample(
            treePrompts([0]), engine: engine, tokenizer: tokenizer, eosTokenIDs: []
        ) { _, response, truncated in
            XCTAssertEqual(response.count, 14)
            if truncated { truncatedCalls += 1 }
            return 0
        }[0]
        XCTAssertEqual(tree.nodes.count, 1 + 2 + 6 + 12)
        XCTAssertEqual(truncatedCalls, 12)
        // Children share their parent's KV blocks. With 4-slot blocks and a 5-token prompt
        // (blocks allocated, a high-water mark): prefill 2; level 1 copies the shared partial
        // block once (the last child writes in place) and adds one block per child: 1 + 2;
        // level 2 per parent: 2 copies + 3 new blocks, ×2; level 3 per parent: 1 copy + 2
        // new, ×6. Total 2 + 3 + 10 + 18 = 33, against 12 × ⌈19 / 4⌉ = 60 unshared.
        XCTAssertEqual(tree.prompt.count, 5)
        XCTAssertEqual(engine.cache.blocksAllocated, 33)
        for node in tree.nodes.dropFirst() {
            XCTAssertEqual(node.tokens.count, [4, 4, 6][node.depth - 1], "\(node.path)")
            XCTAssertEqual(node.logProbabilities.count, node.tokens.count)
            XCTAssertEqual(node.stopReason, .maxTokens)
            XCTAssertEqual(node.isLeaf, node.depth == 3)
            XCTAssertEqual(node.truncated, node.depth == 3)
        }
        // Breadth first; each node's children are its path extended by 0 ..< b.
        XCTAssertEqual(tree.nodes.map(\.depth), [0, 1, 1] + Array(repeating: 2, count: 6) + Array(repeating: 3, count: 12))
        for (index, node) in tree.nodes.enumerated() {
            XCTAssertEqual(node.children.map { tree.nodes[$0].path }, (0..<[2, 3, 2, 0][node.depth]).map { node.path + [$0] })
            XCTAssertTrue(node.children.allSatisfy { tree.nodes[$0].parent == index })
        }
        // 2 + 6 + 12 segments decoded instead of 12 leaves × 3; tokens 2·4 + 6·4 + 12·6 vs 12·14.
        XCTAssertEqual(tree.cost, TreeSamplingCost(trees: 1, leaves: 12, decodedSegments: 20, independentSegments: 36,
                                                   decodedTokens: 104, independentTokens: 168))
        XCTAssertEqual(tree.cost.savedTokenFraction, 1 - 104.0 / 168, accuracy: 1e-12)
        // Siblings draw from their own seeds: the 12 responses differ.
        XCTAssertEqual(Set(tree.leafIndices.map { tree.responseTokens(of: $0) }).count, 12)
        XCTAssertEqual(engine.sequenceCount, 0)
        XCTAssertEqual(engine.cache.blocksInUse, 0)
    }

    /// The reference shape: a full 6-6-6 tree decodes 6 + 36 + 216 = 258 segments where
    /// independent sampling of its 216 leaves decodes 216 × 3 = 648; with M = 2 and
    /// max_tokens 6 that is 258 × 2 = 516 tokens against 216 × 6 = 1296. Two prompts double it.
    func testSixSixSixDecodeCount() throws {
        let engine = makeEngine()
        let trees = try sampler([6, 6, 6], segment: 2, maxTokens: 6).sample(
            treePrompts([0, 1]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward)
        let cost = trees.map(\.cost).reduce(.zero, +)
        XCTAssertEqual(cost, TreeSamplingCost(trees: 2, leaves: 432, decodedSegments: 516, independentSegments: 1296,
                                              decodedTokens: 1032, independentTokens: 2592))
        XCTAssertEqual(engine.cache.blocksInUse, 0)
    }

    /// Every leaf equals a plain re-generation of its path: the prompt prefilled alone in a
    /// fresh engine, then one sequence continued segment by segment with the path's seeds
    /// and segment lengths; no fork, no other sequence in the batch.
    func testLeavesEqualIndependentRegenerationOfTheirPath() throws {
        let sampler = try sampler([2, 3, 2], segment: 4, maxTokens: 14)
        let trees = try sampler.sample(treePrompts([0, 2]), engine: makeEngine(), tokenizer: tokenizer,
                                       eosTokenIDs: [], reward: reward)
        for (p, tree) in trees.enumerated() {
            for leaf in tree.leafIndices {
                let engine = makeEngine()
                let id = try engine.prefill([tree.prompt])[0]
                var tokens: [Int32] = [], logProbabilities: [Float] = []
                for d in 1...tree.nodes[leaf].depth {
                    let parameters = try sampler.parameters(
                        groupID: treePrompts([0, 2])[p].groupID, path: Array(tree.nodes[leaf].path[..<d]),
                        responseStart: tokens.count)
                    let generation = try engine.generate([id], parameters: [parameters], tokenizer: tokenizer, eosTokenIDs: [])[0]
                    tokens += generation.tokens
                    logProbabilities += generation.logProbabilities
                }
                XCTAssertEqual(tree.responseTokens(of: leaf), tokens, "prompt \(p) leaf \(tree.nodes[leaf].path)")
                XCTAssertEqual(tree.responseLogProbabilities(of: leaf).count, logProbabilities.count)
                // The packed batch rounds differently from a lone sequence (~1e-6).
                for (a, b) in zip(tree.responseLogProbabilities(of: leaf), logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-5) }
                XCTAssertEqual(try engine.tokens(of: id), tree.prompt + tokens)
            }
        }
    }

    /// Same nodes, tokens, stop reasons and rewards; log-probs equal up to the rounding of
    /// differently packed batches.
    func assertSameTree(_ a: SampledTree, _ b: SampledTree, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.prompt, b.prompt, file: file, line: line)
        XCTAssertEqual(a.groupID, b.groupID, file: file, line: line)
        XCTAssertEqual(a.nodes.count, b.nodes.count, file: file, line: line)
        for (x, y) in zip(a.nodes, b.nodes) {
            XCTAssertEqual([x.path, x.children], [y.path, y.children], file: file, line: line)
            XCTAssertEqual(x.tokens, y.tokens, file: file, line: line)
            XCTAssertEqual(x.stopReason, y.stopReason, file: file, line: line)
            XCTAssertEqual(x.reward, y.reward, file: file, line: line)
            XCTAssertEqual(x.logProbabilities.count, y.logProbabilities.count, file: file, line: line)
            for (p, q) in zip(x.logProbabilities, y.logProbabilities) { XCTAssertEqual(p, q, accuracy: 1e-5, file: file, line: line) }
        }
    }

    /// A tree does not depend on the other prompts of its batch; the run seed changes it.
    func testSeedsMakeTreesIndependentOfBatching() throws {
        let sampler = try sampler([2, 2, 2], segment: 3, maxTokens: 10)
        let engine = makeEngine()
        let alone = try sampler.sample(treePrompts([1]), engine: engine, tokenizer: tokenizer, reward: reward)
        let again = try sampler.sample(treePrompts([1]), engine: engine, tokenizer: tokenizer, reward: reward)
        let batched = try sampler.sample(treePrompts([0, 1, 2]), engine: engine, tokenizer: tokenizer, reward: reward)
        XCTAssertEqual(again, alone)
        assertSameTree(batched[1], alone[0])
        XCTAssertEqual(batched.map(\.groupID), ["p0@0", "p1@0", "p2@0"])
        let other = try self.sampler([2, 2, 2], segment: 3, maxTokens: 10, seed: 8)
            .sample(treePrompts([1]), engine: engine, tokenizer: tokenizer, reward: reward)
        XCTAssertNotEqual(other[0].nodes.map(\.tokens), alone[0].nodes.map(\.tokens))
        XCTAssertEqual(engine.cache.blocksInUse, 0)
    }

    /// Every 16th token id ends a response, so paths end early: such a child is a leaf at
    /// its depth. Checked node by node, and the nested values of the leaves
    /// (rebuilt by `TreeValues` from the leaf paths) against a recursion over the nodes.
    func testEarlyStopsMakeLeavesAtTheirDepth() throws {
        let eos = (0..<Int32(tokenizer.vocabularySize)).filter { $0 % 16 == 1 }
        let engine = makeEngine()
        let trees = try sampler([3, 2, 2], segment: 3, maxTokens: 12).sample(
            treePrompts([0, 1, 2]), engine: engine, tokenizer: tokenizer, eosTokenIDs: eos
        ) { prompt, response, truncated in truncated ? 0 : Double(prompt) + Double(response.count % 2) }
        var earlyLeaves: Set<Int> = [], innerNodes = 0, finishedAtLastLevel = 0, truncated = 0
        for (p, tree) in trees.enumerated() {
            for node in tree.nodes.dropFirst() {
                if !node.isLeaf {
                    innerNodes += 1
                    XCTAssertEqual(node.tokens.count, 3)
                    XCTAssertEqual(node.stopReason, .maxTokens)
                    XCTAssertFalse(node.tokens.contains { eos.contains($0) })
                    XCTAssertEqual(node.children.count, [3, 2, 2][node.depth])
                } else if node.stopReason == .eos {
                    XCTAssertTrue(eos.contains(node.tokens.last!))
                    XCTAssertFalse(node.truncated)
                    if node.depth < 3 { earlyLeaves.insert(node.depth) } else { finishedAtLastLevel += 1 }
                } else {
                    XCTAssertEqual(node.depth, 3)
                    XCTAssertTrue(node.truncated)
                    XCTAssertEqual(node.responseEnd, 12)
                    truncated += 1
                }
                XCTAssertEqual(node.reward, node.isLeaf ? (node.truncated ? 0 : Double(p) + Double(node.responseEnd % 2)) : nil)
            }
            // Nested mean by recursion over the sampled nodes.
            func value(_ n: Int) -> Double {
                let node = tree.nodes[n]
                return node.isLeaf ? node.reward! : node.children.map(value).reduce(0, +) / Double(node.children.count)
            }
            let values = try TreeValues(leaves: tree.leaves)
            for (n, node) in tree.nodes.enumerated() { XCTAssertEqual(values.values[node.path]!, value(n), accuracy: 1e-12) }
            // One edge per non-root node, carrying that node's segment after its ancestors'.
            let edges = values.edges(form: .rloo, stdEpsilon: 1e-8)
            let nodeByPath = Dictionary(uniqueKeysWithValues: tree.nodes.indices.map { (tree.nodes[$0].path, $0) })
            XCTAssertEqual(edges.count, tree.nodes.count - 1)
            for edge in edges {
                let n = nodeByPath[edge.path]!
                XCTAssertEqual(edge.tokens, tree.nodes[n].tokens)
                XCTAssertEqual(edge.oldLogProbabilities, tree.nodes[n].logProbabilities)
                XCTAssertEqual(edge.ancestorTokens + edge.tokens, tree.responseTokens(of: n))
                XCTAssertEqual(edge.advantage, value(n) - value(tree.nodes[n].parent!), accuracy: 1e-12)
            }
            XCTAssertEqual(tree.cost.decodedSegments, tree.nodes.count - 1)
            XCTAssertEqual(tree.cost.independentTokens, tree.leaves.reduce(0) { $0 + $1.responseTokens.count })
        }
        // The seeds give every kind of node (the test needs them all to check something).
        XCTAssertEqual(earlyLeaves, [1, 2], "early leaves at depths 1 and 2")
        XCTAssertGreaterThan(innerNodes, 0)
        XCTAssertGreaterThan(finishedAtLastLevel, 0)
        XCTAssertGreaterThan(truncated, 0)
        XCTAssertEqual(engine.cache.blocksInUse, 0)
    }

    /// M = 4, max_tokens 6 over three levels: level 2 has only 2 tokens of budget, reaches
    /// the limit and its children are truncated leaves at depth 2; level 3 never runs.
    func testLengthLimitBeforeTheLastLevel() throws {
        let tree = try sampler([2, 2, 2], segment: 4, maxTokens: 6).sample(
            treePrompts([0]), engine: makeEngine(), tokenizer: tokenizer, eosTokenIDs: [], reward: reward)[0]
        XCTAssertEqual(tree.nodes.map(\.tokens.count), [0, 4, 4, 2, 2, 2, 2])
        XCTAssertEqual(tree.leafIndices.map { tree.nodes[$0].path }, [[0, 0], [0, 1], [1, 0], [1, 1]])
        XCTAssertTrue(tree.leafIndices.allSatisfy { tree.nodes[$0].truncated && tree.nodes[$0].reward == 0 })
        XCTAssertEqual(tree.cost.decodedSegments, 6)
    }

    /// A tree that outgrows the model's positions throws, and still frees every sequence.
    func testFailureReleasesEverySequence() throws {
        let engine = makeEngine()
        XCTAssertThrowsError(try sampler([2, 2], segment: 30, maxTokens: 100).sample(
            treePrompts([0]), engine: engine, tokenizer: tokenizer, eosTokenIDs: [], reward: reward))
        XCTAssertEqual(engine.sequenceCount, 0)
        XCTAssertEqual(engine.cache.blocksInUse, 0)
        XCTAssertEqual(try sampler([2], segment: 3, maxTokens: 5).sample(
            [], engine: engine, tokenizer: tokenizer, reward: reward), [])
    }
}
