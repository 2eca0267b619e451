import Foundation
import SPOModel
import SPOPipelineSpec
import SPOTraining
import SPOWire

/// The value stage: estimates V̂ at segment boundaries. Output id `valued/<group>/<sample>`.
///
/// - `none` (GRPO, RLOO): segmented rollouts pass through with no values
///   (`boundary_values` empty, no rollouts spent).
/// - `monte_carlo` (SPO-chain, VinePPO): V̂(b_k) for every credited segment's start b_k
///   (k from `first_credited_segment` to S − 1) by N continuations from the state
///   (prompt + response[0..<b_k]) with the current policy (`MonteCarloValues`), and
///   V̂(b_S) = R(τ), the response's own reward. Uncredited boundaries carry value 0 and
///   rollout count 0. The stage gathers whatever segmented rollouts have arrived and
///   values their states in one batch, each distinct state once; this is the stage to
///   replicate. Metrics per batch: `value/states` (boundaries asked), `value/unique_states`,
///   `value/rollouts`, `value/tokens`, `value/seconds`.
/// - `tree` (SPO-tree): no rollouts; the leaves of a tree (one rollout each, with its
///   tree path) are gathered and the tree rebuilt (`TreeValues`); each leaf's boundary
///   values are the nested means of the nodes on its path, V(root) … V(leaf), with the
///   leaves under each node as its rollout count.
/// - `critic` (PPO): `CriticValueWorker` (`ValueStage.worker` picks the worker).
///
/// A rollout whose envelope asks for a newer policy version than the stage holds waits
/// for that version's announcement.
public final class ValueWorker: StageWorker {
    private let estimator: MonteCarloValues?
    private let binding: TaskBinding?
    private let policy: WeightsHolder<LlamaModel>?
    private let maxTokens: Int
    private var pending: [Message] = []
    private let gathersTrees: Bool
    private var trees = GroupGathering()

    /// Loads the task, tokenizer and starting policy when the kind needs them.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        maxTokens = spec.sampling.maxTokens
        gathersTrees = spec.value.kind == .tree
        switch spec.value {
        case .none, .tree:
            estimator = nil
            binding = nil
            policy = nil
        case .monteCarlo(let rollouts):
            estimator = MonteCarloValues(
                rollouts: rollouts, temperature: spec.sampling.temperature, topP: spec.sampling.topP, seed: spec.seed)
            binding = try RunResources.binding(spec)
            policy = .policy(try RunResources.initialModel(spec))
        case .critic:
            throw RuntimeError("value kind critic is served by CriticValueWorker (ValueStage.worker picks it)")
        }
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        guard case .segmentedRollout(let segmented) = message.body else { return runtime.finish(message.envelope.messageID) }
        if gathersTrees { return try gatherTree(message, segmented, runtime: runtime) }
        guard let policy else {
            return try send(.unvalued(segmented), for: message, runtime: runtime)
        }
        if policy.admit(message, runtime: runtime) { pending.append(message) }
    }

    public func receiveWeights(_ weights: ReceivedWeights, runtime: StageRuntime) throws {
        try policy?.receive(weights, runtime: runtime)
    }

    public func idle(runtime: StageRuntime) throws {
        for (group, messages) in trees.dropPast(driverIteration: runtime.driverIteration) {
            runtime.log("dropping the \(messages.count) leaves of incomplete tree \(group): the driver is at iteration \(runtime.driverIteration)")
            messages.forEach { runtime.finish($0.envelope.messageID) }
        }
        guard let policy, let estimator, let binding else { return }
        pending += policy.ready()
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll()
        let started = Date()
        var requests: [[MonteCarloValues.Request?]] = []
        for message in batch {
            guard case .segmentedRollout(let segmented) = message.body else { continue }
            requests.append(self.requests(segmented, runtime: runtime))
        }
        let asked = requests.joined().compactMap { $0 }
        let estimates = try estimator.estimate(
            asked, stream: "v\(policy.version)", model: policy.model, tokenizer: binding.tokenizer,
            reward: { response, answer, truncated in
                binding.spec.reward(response: binding.tokenizer.decode(response), gold: answer, truncated: truncated)
            })
        var charged = Set<MonteCarloValues.Request>()
        for (message, states) in zip(batch, requests) {
            guard case .segmentedRollout(let segmented) = message.body else { continue }
            var values: [Float] = [], counts: [Int32] = [], tokens = 0
            for state in states {
                guard let state, let estimate = estimates[state] else {
                    values.append(0)
                    counts.append(0)
                    continue
                }
                values.append(Float(estimate.value))
                counts.append(Int32(estimate.rollouts))
                if charged.insert(state).inserted { tokens += estimate.tokens }
            }
            values.append(Float(segmented.rollout.reward))
            counts.append(0)
            let valued = try ValuedRollout(segmented: segmented, boundaryValues: values, rolloutCounts: counts, tokensSpent: tokens)
            try send(valued, for: message, runtime: runtime)
        }
        let spent = estimates.values.reduce(0) { $0 + $1.tokens }
        runtime.sendMetrics(
            ["value/states": Double(asked.count), "value/unique_states": Double(estimates.count),
             "value/rollouts": Double(estimates.values.reduce(0) { $0 + $1.rollouts }), "value/tokens": Double(spent),
             "value/seconds": Date().timeIntervalSince(started)],
            iteration: batch[0].envelope.iteration, policyVersion: policy.version)
    }

    /// The states to value for one segmented rollout, one per boundary b_0 … b_{S−1}:
    /// nil where none is needed (uncredited segments) or possible (a rollout without the
    /// reference answer: its values are 0 with rollout count 0, as its reward is 0).
    private func requests(_ segmented: SegmentedRollout, runtime: StageRuntime) -> [MonteCarloValues.Request?] {
        let rollout = segmented.rollout
        guard let answer = rollout.answer else {
            runtime.log("rollout \(rollout.groupID)/\(rollout.sampleIndex) carries no answer (rollout field `answer`): its boundary values are 0, unestimated")
            return Array(repeating: nil, count: segmented.segmentCount)
        }
        let prompt = rollout.promptTokens.int32Values, response = rollout.responseTokens.int32Values
        let offsets = segmented.boundaries.int32Values.map(Int.init)
        return (0..<segmented.segmentCount).map { k in
            guard k >= segmented.firstCreditedSegment else { return nil }
            return MonteCarloValues.Request(
                prompt: prompt, responsePrefix: Array(response[..<offsets[k]]),
                maxNewTokens: max(1, maxTokens - offsets[k]), answer: answer)
        }
    }

    /// Gathers a tree's leaves; when all are in, sends each with its path's nested means.
    private func gatherTree(_ message: Message, _ segmented: SegmentedRollout, runtime: StageRuntime) throws {
        let rollout = segmented.rollout, id = message.envelope.messageID
        guard let position = rollout.tree else {
            runtime.log("dropping \(id): value kind tree needs rollouts with tree_path and tree_leaves")
            return runtime.finish(id)
        }
        switch trees.add(message, group: rollout.groupID, index: rollout.sampleIndex, size: position.leaves, driverIteration: runtime.driverIteration) {
        case .kept: return
        case .refused(let reason):
            runtime.log("dropping \(id): \(reason)")
            runtime.finish(id)
        case .complete(let messages):
            let leaves = messages.compactMap { message -> SegmentedRollout? in
                guard case .segmentedRollout(let segmented) = message.body else { return nil }
                return segmented
            }
            let values = try TreeValues(leaves: leaves.map { AdvantageWorker.treeLeaf(ValuedRollout.unvalued($0)) })
            // Leaves under each node (by path prefix), the rollout count behind its value.
            var leavesUnder: [ArraySlice<Int>: Int32] = [:]
            for leaf in leaves {
                let path = leaf.rollout.tree?.path ?? []
                for d in 0...path.count { leavesUnder[path.prefix(d), default: 0] += 1 }
            }
            for (i, (message, leaf)) in zip(messages, leaves).enumerated() {
                let path = leaf.rollout.tree?.path ?? []
                let counts = (0...path.count).map { leavesUnder[path.prefix($0)] ?? 0 }
                let valued = try ValuedRollout(
                    segmented: leaf, boundaryValues: values.boundaryValues(ofLeaf: i).map(Float.init),
                    rolloutCounts: counts, tokensSpent: 0)
                try send(valued, for: message, runtime: runtime)
            }
        }
    }

    private func send(_ valued: ValuedRollout, for message: Message, runtime: StageRuntime) throws {
        let rollout = valued.segmented.rollout
        try runtime.emit(
            .valuedRollout(valued), messageID: "valued/\(rollout.groupID)/\(rollout.sampleIndex)", parent: message.envelope)
        runtime.finish(message.envelope.messageID)
    }
}
