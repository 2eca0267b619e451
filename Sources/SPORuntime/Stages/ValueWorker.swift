import SPOPipelineSpec
import SPOWire

/// The value stage: estimates V̂ at segment boundaries. This build implements value kind
/// `none` (GRPO, RLOO): segmented rollouts pass through with no values
/// (`boundary_values` empty, no rollouts spent). Output id: `valued/<group>/<sample>`.
public final class ValueWorker: StageWorker {
    /// Checks the spec's value kind is one this build implements.
    public init(runtime: StageRuntime) throws {
        guard runtime.spec.value.kind == .none else {
            throw RuntimeError("value kind \(runtime.spec.value.kind.rawValue) is not implemented by this build's value stage (it implements: none)")
        }
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        guard case .segmentedRollout(let segmented) = message.body else { return runtime.finish(message.envelope.messageID) }
        let valued = try ValuedRollout(segmented: segmented, boundaryValues: [Float](), rolloutCounts: [Int32](), tokensSpent: 0)
        let rollout = segmented.rollout
        try runtime.emit(
            .valuedRollout(valued), messageID: "valued/\(rollout.groupID)/\(rollout.sampleIndex)", parent: message.envelope)
        runtime.finish(message.envelope.messageID)
    }
}
