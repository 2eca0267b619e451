import Foundation
import XCTest
import SPOPipelineSpec

/// Each method's smallest spec resolves to the defaults docs/method.md gives; the
/// numbers below are copied from method.md (section in each comment), not from the code.
final class MethodPresetTests: XCTestCase {
    private func resolve(_ method: String) throws -> ResolvedPipelineSpec {
        try TestSpecs.resolve(TestSpecs.minimal(method))
    }

    /// Defaults shared by every method (method.md sections 3, 7, 8).
    private func assertCommonDefaults(_ spec: ResolvedPipelineSpec, file: StaticString = #filePath, line: UInt = #line) {
        // Section 3: trajectories and rollouts sampled at temperature 0.6, top-p 0.9.
        XCTAssertEqual(spec.sampling.temperature, 0.6, file: file, line: line)
        XCTAssertEqual(spec.sampling.topP, 0.9, file: file, line: line)
        // Section 7: ε 0.2, log-ratio clamp ±10, τ 0.9, k3 KL with β 1e-4, AdamW 0.9/0.999/1e-8/0,
        // grad-norm clip 1.0, warm-up 3% then linear decay, skip batches with mean ratio > 10,
        // whitened advantages; design.md: staleness 0 (strictly on-policy).
        let optimize = spec.optimize
        XCTAssertEqual(optimize.clipEpsilon, 0.2, file: file, line: line)
        XCTAssertEqual(optimize.logRatioClamp, 10, file: file, line: line)
        XCTAssertEqual(optimize.probabilityMask.threshold, 0.9, file: file, line: line)
        XCTAssertEqual(optimize.kl, KLPenalty(beta: 1e-4, estimator: .k3), file: file, line: line)
        XCTAssertEqual(optimize.adamw, AdamWSettings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), file: file, line: line)
        XCTAssertEqual(optimize.maxGradientNorm, 1, file: file, line: line)
        guard case .linearWarmupLinearDecay(_, let warmupFraction, let final) = optimize.learningRate else {
            return XCTFail("learning rate \(optimize.learningRate)", file: file, line: line)
        }
        XCTAssertEqual(warmupFraction, 0.03, file: file, line: line)
        XCTAssertEqual(final, 0, file: file, line: line)
        XCTAssertEqual(optimize.skipRatioAbove, 10, file: file, line: line)
        XCTAssertTrue(optimize.whitenAdvantages, file: file, line: line)
        XCTAssertEqual(optimize.maxStaleness, 0, file: file, line: line)
        XCTAssertEqual(optimize.microBatchSize, optimize.batchSize, file: file, line: line)
        // Section 8: k = 16 samples per question at temperature 0.35.
        XCTAssertEqual(spec.evaluation.samples, 16, file: file, line: line)
        XCTAssertEqual(spec.evaluation.temperature, 0.35, file: file, line: line)
        // One host: nothing placed elsewhere.
        XCTAssertEqual(spec.weightsTransport, .checkpointFile, file: file, line: line)
        XCTAssertEqual(Set(spec.stages.keys), Set(PipelineStage.allCases), file: file, line: line)
        XCTAssertTrue(spec.stages.values.allSatisfy { $0.replicas == 1 && $0.host == "local" }, file: file, line: line)
    }

    /// Section 7's reference shape for SPO-chain, which the trajectory baselines share.
    private func assertChainShape(_ spec: ResolvedPipelineSpec, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(spec.sampling.promptsPerIteration, 64, file: file, line: line)
        XCTAssertEqual(spec.sampling.samplesPerPrompt, 8, file: file, line: line)
        XCTAssertEqual(spec.optimize.epochs, 2, file: file, line: line)
        XCTAssertEqual(spec.optimize.batchSize, 64, file: file, line: line)
        XCTAssertNil(spec.tree, file: file, line: line)
        XCTAssertNil(spec.optimize.replay, file: file, line: line)
    }

    func testSPOChain() throws {
        let spec = try resolve("spo-chain")
        assertCommonDefaults(spec)
        assertChainShape(spec)
        // Section 2: cut points at τ = 0.9, every K = 5th low-probability token.
        XCTAssertEqual(spec.partition, .cutpoint(threshold: 0.9, interval: 5))
        // Section 3: N = 9 rollouts; A_j = V̂(b_{j+1}) − V̂(b_j).
        XCTAssertEqual(spec.value, .monteCarlo(rollouts: 9))
        XCTAssertEqual(spec.advantage, .chain)
        // Section 7: the probability mask is on for SPO-chain.
        XCTAssertTrue(spec.optimize.probabilityMask.enabled)
        XCTAssertNil(spec.optimize.valueLoss)
    }

    func testSPOTree() throws {
        let spec = try resolve("spo-tree")
        assertCommonDefaults(spec)
        XCTAssertEqual(spec.partition, .tree)
        XCTAssertEqual(spec.value, .tree)
        // Section 4: 6-6-6 tree, M = 30, A = V(child) − V(parent) ("rloo" form).
        XCTAssertEqual(spec.tree, .spoTree(SPOTreeSettings(branching: [6, 6, 6], segmentTokens: 30)))
        XCTAssertEqual(spec.advantage, .tree(form: .rloo, stdEpsilon: 1e-8))
        // Section 4: replay optional, at most 32 edges per prompt, 8 iterations old.
        XCTAssertEqual(spec.optimize.replay, ReplayBuffer(enabled: false, maxEdgesPerPrompt: 32, maxAge: 8))
        // Section 7: mask on; 16 prompts, 1 epoch, batch 128.
        XCTAssertTrue(spec.optimize.probabilityMask.enabled)
        XCTAssertEqual(spec.sampling.promptsPerIteration, 16)
        XCTAssertNil(spec.sampling.samplesPerPrompt)
        XCTAssertEqual(spec.optimize.epochs, 1)
        XCTAssertEqual(spec.optimize.batchSize, 128)
    }

    func testTreePO() throws {
        let spec = try resolve("treepo")
        assertCommonDefaults(spec)
        XCTAssertEqual(spec.partition, .tree)
        XCTAssertEqual(spec.value, .tree)
        XCTAssertEqual(spec.advantage, .treePO)
        // Section 5: d = 2 copies, W = 16 leaves, repetition = a 32-character substring 8+ times.
        guard case .treePO(let tree)? = spec.tree else { return XCTFail("tree \(String(describing: spec.tree))") }
        XCTAssertEqual(tree.initialCopies, 2)
        XCTAssertEqual(tree.leafBudget, 16)
        XCTAssertEqual(tree.repetition, RepetitionCheck(enabled: true, substringCharacters: 32, minOccurrences: 8))
        XCTAssertEqual(tree.branchingMode, .fixed)
        XCTAssertTrue(tree.fallback)
        // Our defaults (documented): L = 30 like SPO-tree; depth = ⌈256 / 30⌉ = 9 reaches the length limit.
        XCTAssertEqual(tree.segmentTokens, 30)
        XCTAssertEqual(tree.maxDepth, 9)
        // TreePO has no probability mask; it takes SPO-tree's shape.
        XCTAssertFalse(spec.optimize.probabilityMask.enabled)
        XCTAssertEqual(spec.sampling.promptsPerIteration, 16)
        XCTAssertEqual(spec.optimize.epochs, 1)
        XCTAssertEqual(spec.optimize.batchSize, 128)
        XCTAssertNil(spec.optimize.replay)
    }

    func testGRPO() throws {
        let spec = try resolve("grpo")
        assertCommonDefaults(spec)
        assertChainShape(spec)
        // Section 6: whole-response advantage (r − mean)/(std + 1e-8); no values; mask off (section 7).
        XCTAssertEqual(spec.partition, .whole)
        XCTAssertEqual(spec.value, ValueSettings.none)
        XCTAssertEqual(spec.advantage, .grpo(stdEpsilon: 1e-8))
        XCTAssertFalse(spec.optimize.probabilityMask.enabled)
    }

    func testRLOO() throws {
        let spec = try resolve("rloo")
        assertCommonDefaults(spec)
        assertChainShape(spec)
        XCTAssertEqual(spec.partition, .whole)
        XCTAssertEqual(spec.value, ValueSettings.none)
        XCTAssertEqual(spec.advantage, .rloo)
        XCTAssertFalse(spec.optimize.probabilityMask.enabled)
    }

    func testPPO() throws {
        let spec = try resolve("ppo")
        assertCommonDefaults(spec)
        assertChainShape(spec)
        // Section 6: critic, GAE γ = 1, λ = 1, value loss 0.5·MSE with value clip 0.2.
        XCTAssertEqual(spec.partition, .whole)
        XCTAssertEqual(spec.value, .critic)
        XCTAssertEqual(spec.advantage, .gae(gamma: 1, lambda: 1))
        XCTAssertEqual(spec.optimize.valueLoss, ValueLoss(coefficient: 0.5, clip: 0.2))
        // Section 7: vanilla PPO must NOT inherit the mask the reference's PPO config leaves on.
        XCTAssertFalse(spec.optimize.probabilityMask.enabled)
    }

    func testVinePPO() throws {
        let spec = try resolve("vineppo")
        assertCommonDefaults(spec)
        assertChainShape(spec)
        // Sections 2, 3, 6: newline steps capped at 25, N = 9 rollouts, chain advantages, no mask.
        XCTAssertEqual(spec.partition, .newline(maxSteps: 25))
        XCTAssertEqual(spec.value, .monteCarlo(rollouts: 9))
        XCTAssertEqual(spec.advantage, .chain)
        XCTAssertFalse(spec.optimize.probabilityMask.enabled)
    }

    func testEveryMethodIsCovered() {
        XCTAssertEqual(
            PipelineMethod.allCases.map(\.rawValue), ["spo-chain", "spo-tree", "treepo", "grpo", "rloo", "ppo", "vineppo"])
    }

    func testUserKeysOverrideThePreset() throws {
        // Same kind: the written key replaces one parameter, the others keep their defaults.
        let interval = try TestSpecs.resolve(TestSpecs.minimal("spo-chain").setting("partition.interval", to: 3))
        XCTAssertEqual(interval.partition, .cutpoint(threshold: 0.9, interval: 3))
        // Another kind: that kind's defaults.
        let fixed = try TestSpecs.resolve(TestSpecs.minimal("spo-chain").setting("partition", to: ["kind": "fixed", "segments": 4]))
        XCTAssertEqual(fixed.partition, .fixed(segments: 4))
        XCTAssertEqual(fixed.value, .monteCarlo(rollouts: 9))
        // PPO with the mask switched on explicitly is an allowed ablation.
        let masked = try TestSpecs.resolve(TestSpecs.minimal("ppo").setting("optimize.probability_mask.enabled", to: true))
        XCTAssertTrue(masked.optimize.probabilityMask.enabled)
        // A chain advantage over the whole response (one boundary: A = R − V̂(prompt)) is allowed.
        let whole = try TestSpecs.resolve(TestSpecs.minimal("spo-chain").setting("partition", to: ["kind": "whole"]))
        XCTAssertEqual(whole.partition, .whole)
        // TreePO's advantage on SPO-tree's fixed tree is allowed.
        let mixed = try TestSpecs.resolve(TestSpecs.minimal("spo-tree").setting("advantage", to: ["kind": "treepo"]))
        XCTAssertEqual(mixed.advantage, .treePO)
        XCTAssertNil(mixed.optimize.replay)
        // The spec's seed seeds a config-initialised model unless init_seed says otherwise.
        let config = try TestSpecs.resolve(
            TestSpecs.minimal("grpo").setting([("model", ["config": "configs/models/tiny.json"]), ("seed", 7)]))
        XCTAssertEqual(config.model, .config(path: "configs/models/tiny.json", initSeed: 7))
        // Paths are kept as written; the run directory defaults to runs/<name>.
        XCTAssertEqual(config.runDirectory, "runs/t")
        XCTAssertEqual(config.tokenizer, "configs/tokenizers/char.json")
        XCTAssertEqual(config.task["config"], "configs/tasks/arithmetic.json")
    }
}
