import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// The value stage of value kind `critic` (PPO, docs/method.md section 6): V(s_t) of the
/// current critic at every response position t = 0..<R of each segmented rollout
/// (`CriticValues`), sent as the valued rollout's `token_values` f32 [R] with no boundary
/// values (`boundary_values` and `rollout_counts` empty, no tokens generated). Output id
/// `valued/<group>/<sample>`.
///
/// The critic is versioned with the policy (`WeightsHolder`): version 0 is
/// `Critic(initializingFrom:)` the starting policy, each newer version the critic the
/// optimizer saved with that weights version. A rollout whose envelope asks for a newer
/// version than the stage holds waits for its announcement. The stage values whatever
/// rollouts have arrived in passes of `optimize.micro_batch_size` sequences (the size the
/// optimizer runs the same critic at). Metrics per batch: `value/states` (positions
/// valued, Σ R), `value/critic_tokens` (tokens through the critic's passes),
/// `value/seconds`.
public final class CriticValueWorker: StageWorker {
    private let holder: WeightsHolder<Critic>
    private let sequencesPerPass: Int
    private var pending: [Message] = []

    /// Builds critic version 0 from the spec's starting policy.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        guard spec.value == .critic else {
            throw RuntimeError("the critic value stage serves value kind critic; the spec has \(spec.value.kind.rawValue)")
        }
        holder = .critic(Critic(initializingFrom: try RunResources.initialModel(spec)))
        sequencesPerPass = spec.optimize.microBatchSize
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        guard case .segmentedRollout = message.body else { return runtime.finish(message.envelope.messageID) }
        if holder.admit(message, runtime: runtime) { pending.append(message) }
    }

    public func receiveWeights(_ weights: ReceivedWeights, runtime: StageRuntime) throws {
        try holder.receive(weights, runtime: runtime)
    }

    public func idle(runtime: StageRuntime) throws {
        pending += holder.ready()
        guard !pending.isEmpty else { return }
        let started = Date()
        let batch: [(message: Message, segmented: SegmentedRollout)] = pending.compactMap {
            guard case .segmentedRollout(let segmented) = $0.body else { return nil }
            return ($0, segmented)
        }
        pending.removeAll()
        let requests = batch.map {
            CriticValues.Request(
                prompt: $0.segmented.rollout.promptTokens.int32Values, response: $0.segmented.rollout.responseTokens.int32Values)
        }
        let values = try CriticValues.values(requests, critic: holder.critic, sequencesPerPass: sequencesPerPass)
        for ((message, segmented), tokenValues) in zip(batch, values) {
            let valued = try ValuedRollout(
                segmented: segmented, boundaryValues: [Float](), rolloutCounts: [Int32](), tokensSpent: 0,
                tokenValues: tokenValues)
            let rollout = segmented.rollout
            try runtime.emit(
                .valuedRollout(valued), messageID: "valued/\(rollout.groupID)/\(rollout.sampleIndex)", parent: message.envelope)
            runtime.finish(message.envelope.messageID)
        }
        guard let first = batch.first else { return }
        runtime.sendMetrics(
            ["value/states": Double(values.reduce(0) { $0 + $1.count }),
             "value/critic_tokens": Double(requests.reduce(0) { $0 + $1.prompt.count + $1.response.count }),
             "value/seconds": Date().timeIntervalSince(started)],
            iteration: first.message.envelope.iteration, policyVersion: holder.version)
    }
}
