import SPOPipelineSpec
import SPOWire

/// The partition stage: cuts each rollout into segments. This build implements partition
/// kind `whole` (GRPO, RLOO): one segment, boundaries [0, R], every token trained on.
/// Output id: `segmented/<group>/<sample>`.
public final class PartitionWorker: StageWorker {
    /// Checks the spec's partition kind is one this build implements.
    public init(runtime: StageRuntime) throws {
        guard runtime.spec.partition.kind == .whole else {
            throw RuntimeError("partition kind \(runtime.spec.partition.kind.rawValue) is not implemented by this build's partition stage (it implements: whole)")
        }
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        guard case .rollout(let rollout) = message.body else { return runtime.finish(message.envelope.messageID) }
        let (boundaries, mask) = SegmentPartition.whole(responseLength: rollout.responseLength)
        let segmented = try SegmentedRollout(rollout: rollout, boundaries: boundaries, tokenMask: mask)
        try runtime.emit(
            .segmentedRollout(segmented), messageID: "segmented/\(rollout.groupID)/\(rollout.sampleIndex)",
            parent: message.envelope)
        runtime.finish(message.envelope.messageID)
    }
}
