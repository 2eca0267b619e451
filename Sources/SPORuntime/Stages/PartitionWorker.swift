import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// The partition stage: cuts each rollout into segments (docs/method.md section 2) by the
/// spec's partition kind, every token trained on (the probability mask, when the method
/// has one, is the optimizer's):
///
/// | kind | segment starts | pre-segment |
/// | --- | --- | --- |
/// | `whole` | 0 | none |
/// | `cutpoint` | every K-th token with π_old < τ (`SegmentPartition.cutpoints`) | tokens before the first start; all of them when there is none |
/// | `fixed` | n equal chunks | none |
/// | `interval_tokens` | 0, M, 2M, … | none |
/// | `newline` | 0 and after each line, capped (`SegmentPartition.newlineSteps`) | none |
///
/// The pre-segment is sent as segment 0 with `first_credited_segment` 1. Kind `tree` is
/// the tree methods' partition: generation already cut the response at its tree levels,
/// so a leaf at depth d has starts 0, M, …, (d − 1)·M (M = `tree.segment_tokens`; every
/// level but a leaf's own is exactly M tokens). Output id: `segmented/<group>/<sample>`.
public final class PartitionWorker: StageWorker {
    private let settings: PartitionSettings
    private let segmentTokens: Int?
    private let tokenizer: any Tokenizer

    /// Loads the tokenizer (newline steps decode tokens).
    public init(runtime: StageRuntime) throws {
        settings = runtime.spec.partition
        segmentTokens = runtime.spec.tree?.segmentTokens
        tokenizer = try RunResources.binding(runtime.spec).tokenizer
        if settings.kind == .tree, segmentTokens == nil {
            throw RuntimeError("partition kind tree needs the spec's tree settings (tree.segment_tokens)")
        }
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        guard case .rollout(let rollout) = message.body else { return runtime.finish(message.envelope.messageID) }
        let length = rollout.responseLength
        guard length >= 1 else {
            runtime.log("dropping \(message.envelope.messageID): the response is empty (nothing to train on)")
            return runtime.finish(message.envelope.messageID)
        }
        let (boundaries, firstCredited) = SegmentPartition.boundaries(starts: starts(rollout), responseLength: length)
        let segmented = try SegmentedRollout(
            rollout: rollout, boundaries: boundaries, tokenMask: [UInt8](repeating: 1, count: length),
            firstCreditedSegment: firstCredited)
        try runtime.emit(
            .segmentedRollout(segmented), messageID: "segmented/\(rollout.groupID)/\(rollout.sampleIndex)",
            parent: message.envelope)
        runtime.finish(message.envelope.messageID)
    }

    /// The segment starts of `rollout` under the spec's partition kind.
    func starts(_ rollout: Rollout) -> [Int] {
        let length = rollout.responseLength
        switch settings {
        case .whole: return [0]
        case .cutpoint(let threshold, let interval):
            return SegmentPartition.cutpoints(
                oldLogProbabilities: rollout.logProbs.floatValues, threshold: threshold, interval: interval)
        case .fixed(let segments): return SegmentPartition.fixed(responseLength: length, segments: segments)
        case .intervalTokens(let tokens): return SegmentPartition.everyTokens(responseLength: length, tokens: tokens)
        case .newline(let maxSteps):
            let texts = rollout.responseTokens.int32Values.map { tokenizer.decode([$0]) }
            return SegmentPartition.newlineSteps(tokenTexts: texts, maxSteps: maxSteps)
        case .tree:
            let depth = rollout.tree?.path.count ?? 1
            return (0..<depth).map { $0 * segmentTokens! }.filter { $0 < length }
        }
    }
}
