import Foundation
import SPOModel
import SPOPipelineSpec
import SPOTraining
import SPOWire

/// The generate stage: samples G responses per prompt with the current policy and scores
/// them with the task's reward (docs/method.md section 1).
///
/// Per prompt batch: every prompt is prefilled once and forked G ways (the children share
/// its KV cache); response k of prompt p draws from `SeedDerivation.seed(seed,
/// "generate/<group>/<k>")`, so a batch re-done after a restart samples the same
/// responses. Each response becomes one `rollout` (id `rollout/<group>/<k>`, group
/// `<prompt_id>@<iteration>`) tagged with the policy version that sampled it.
///
/// Weights: the stage starts with the spec's model (version 0) and loads each newer
/// version it receives (an announced checkpoint file, or streamed chunks) before
/// sampling again, logging "loaded policy version v". A batch whose envelope asks for a newer
/// policy version than the stage holds waits for that version (staleness 0: strictly
/// on-policy).
public final class GenerateWorker: StageWorker {
    private let binding: TaskBinding
    private let sampling: SamplingSettings
    private let treeSampler: TreeSampler?
    private let runSeed: UInt64
    private let policy: WeightsHolder<LlamaModel>

    /// Loads the task, tokenizer and starting policy of the runtime's spec.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        binding = try RunResources.binding(spec)
        switch spec.tree {
        case nil: treeSampler = nil
        case .spoTree(let tree)?:
            treeSampler = .spoTree(try SPOTreeSampler(tree: tree, sampling: spec.sampling, runSeed: spec.seed))
        case .treePO(let tree)?:
            treeSampler = .treePO(try TreePOSampler(
                tree: tree, sampling: spec.sampling, runSeed: spec.seed, answer: TreePOAnswerCheck(reward: binding.spec.reward)))
        }
        sampling = spec.sampling
        runSeed = spec.seed
        let model = try RunResources.initialModel(spec)
        guard binding.tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw RuntimeError("tokenizer \(spec.tokenizer) has \(binding.tokenizer.vocabularySize) tokens, more than the model's vocab_size \(model.config.vocabularySize)")
        }
        policy = .policy(model)
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        guard case .promptBatch = message.body else { return runtime.finish(message.envelope.messageID) }
        if policy.admit(message, runtime: runtime) { try generate(message, runtime: runtime) }
    }

    public func receiveWeights(_ weights: ReceivedWeights, runtime: StageRuntime) throws {
        try policy.receive(weights, runtime: runtime)
    }

    public func idle(runtime: StageRuntime) throws {
        for message in policy.ready() { try generate(message, runtime: runtime) }
    }

    private func generate(_ message: Message, runtime: StageRuntime) throws {
        guard case .promptBatch(let batch) = message.body else { return }
        if let treeSampler { return try generateTrees(batch, message: message, sampler: treeSampler, runtime: runtime) }
        let started = Date()
        let iteration = message.envelope.iteration
        let G = batch.samplesPerPrompt
        let engine = InferenceEngine(model: policy.model)
        let version = policy.version
        let parents = try engine.prefill(batch.prompts.map { $0.tokens.int32Values })
        var sequences: [InferenceEngine.SequenceID] = [], parameters: [SamplingParameters] = []
        for (prompt, parent) in zip(batch.prompts, parents) {
            sequences += try engine.fork(parent, count: G)
            engine.release(parent)
            for k in 0..<G {
                parameters.append(try SamplingParameters(
                    temperature: Float(sampling.temperature), topP: Float(sampling.topP), maxTokens: sampling.maxTokens,
                    seed: SeedDerivation.seed(runSeed, "generate/\(Self.groupID(prompt.promptID, iteration))/\(k)")))
            }
        }
        let generations = try engine.generate(sequences, parameters: parameters, tokenizer: binding.tokenizer)
        sequences.forEach(engine.release)
        var tokens = 0
        for (p, prompt) in batch.prompts.enumerated() {
            let groupID = Self.groupID(prompt.promptID, iteration)
            for k in 0..<G {
                let generation = generations[p * G + k]
                tokens += generation.tokens.count
                let truncated = generation.stopReason == .maxTokens
                let reward = prompt.answer.map {
                    binding.spec.reward(response: binding.tokenizer.decode(generation.tokens), gold: $0, truncated: truncated)
                } ?? 0
                if prompt.answer == nil { runtime.log("prompt \(prompt.promptID) has no answer: reward 0") }
                let rollout = try Rollout(
                    promptID: prompt.promptID, groupID: groupID, sampleIndex: k,
                    promptTokens: prompt.tokens.int32Values, responseTokens: generation.tokens,
                    logProbs: generation.logProbabilities, reward: reward,
                    stopReason: Self.wireStopReason(generation.stopReason), temperature: sampling.temperature,
                    answer: prompt.answer)
                try runtime.emit(
                    .rollout(rollout), messageID: "rollout/\(groupID)/\(k)", parent: message.envelope, policyVersion: version)
            }
        }
        runtime.finish(message.envelope.messageID)
        runtime.sendMetrics(
            ["generate/rollouts": Double(generations.count), "generate/tokens": Double(tokens),
             "generate/seconds": Date().timeIntervalSince(started)],
            iteration: iteration, policyVersion: version)
    }

    /// The tree sampler of a tree method.
    private enum TreeSampler {
        case spoTree(SPOTreeSampler)
        case treePO(TreePOSampler)
    }

    /// Tree sampling (`SPOTreeSampler`, `TreePOSampler`): one tree per prompt, every leaf
    /// one rollout (id `rollout/<group>/<leaf>`, leaves in path order) carrying its tree
    /// path and the tree's leaf count; a truncated leaf (TreePO: also cut by max depth or
    /// repetition) is sent with stop reason `length`, a TreePO leaf cut after its answer
    /// line with `stop_sequence`. Metrics add `generate/independent_tokens`, what sampling
    /// each leaf on its own would have decoded, and for TreePO `TreePOTree.metrics`.
    private func generateTrees(_ batch: PromptBatch, message: Message, sampler: TreeSampler, runtime: StageRuntime) throws {
        let started = Date()
        let iteration = message.envelope.iteration
        let version = policy.version
        let prompts = batch.prompts
        let treePrompts = prompts.map { TreePrompt(tokens: $0.tokens.int32Values, groupID: Self.groupID($0.promptID, iteration)) }
        let engine = InferenceEngine(model: policy.model)
        let binding = self.binding
        func reward(_ p: Int, _ response: [Int32], _ truncated: Bool) -> Double {
            prompts[p].answer.map {
                binding.spec.reward(response: binding.tokenizer.decode(response), gold: $0, truncated: truncated)
            } ?? 0
        }
        let trees: [SampledTree]
        var cost = TreeSamplingCost.zero, metrics: [String: Double] = [:]
        switch sampler {
        case .spoTree(let sampler):
            trees = try sampler.sample(treePrompts, engine: engine, tokenizer: binding.tokenizer, reward: reward)
            cost = trees.map(\.cost).reduce(cost, +)
        case .treePO(let sampler):
            let sampled = try sampler.sample(treePrompts, engine: engine, tokenizer: binding.tokenizer, reward: reward)
            trees = sampled.map(\.tree)
            cost = sampled.map(\.cost).reduce(cost, +)
            metrics = TreePOTree.metrics(sampled)
        }
        for (prompt, tree) in zip(prompts, trees) {
            if prompt.answer == nil { runtime.log("prompt \(prompt.promptID) has no answer: reward 0") }
            let leaves = tree.leafIndices
            for (k, index) in leaves.enumerated() {
                let node = tree.nodes[index]
                let rollout = try Rollout(
                    promptID: prompt.promptID, groupID: tree.groupID, sampleIndex: k, promptTokens: tree.prompt,
                    responseTokens: tree.responseTokens(of: index), logProbs: tree.responseLogProbabilities(of: index),
                    reward: node.reward ?? 0, stopReason: node.truncated ? .length : Self.wireStopReason(node.stopReason ?? .eos),
                    temperature: sampling.temperature, answer: prompt.answer,
                    tree: TreePosition(path: node.path, leaves: leaves.count))
                try runtime.emit(
                    .rollout(rollout), messageID: "rollout/\(tree.groupID)/\(k)", parent: message.envelope, policyVersion: version)
            }
        }
        runtime.finish(message.envelope.messageID)
        metrics["generate/rollouts"] = Double(cost.leaves)
        metrics["generate/tokens"] = Double(cost.decodedTokens)
        metrics["generate/independent_tokens"] = Double(cost.independentTokens)
        metrics["generate/seconds"] = Date().timeIntervalSince(started)
        runtime.sendMetrics(metrics, iteration: iteration, policyVersion: version)
    }

    /// `<prompt_id>@<iteration>`: the G responses to one prompt in one iteration.
    public static func groupID(_ promptID: String, _ iteration: Int) -> String { "\(promptID)@\(iteration)" }

    static func wireStopReason(_ reason: SPOModel.StopReason) -> SPOWire.StopReason {
        switch reason {
        case .eos: return .eos
        case .maxTokens: return .length
        case .stopString: return .stopSequence
        }
    }
}
