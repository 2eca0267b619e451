import SPOPipelineSpec
import SPOWire

/// The advantage stage: per-token advantages. This build implements the trajectory-level
/// kinds of docs/method.md section 6, `grpo` and `rloo`: valued rollouts are gathered by
/// `group_id` until the group's G responses (`sampling.samples_per_prompt`) are in, then
/// each response's tokens carry its A_i (`GroupAdvantage`) and become a `training_sample`
/// (id `sample/<group>/<sample>`, `TrainingSampleLayout`).
///
/// Re-issued work is recognised here: a second rollout for a slot of a gathering group,
/// any rollout of a group already sent on, and leftovers of groups from an iteration the
/// driver has moved past are acknowledged and dropped.
public final class AdvantageWorker: StageWorker {
    private struct Member {
        let envelope: Envelope
        let valued: ValuedRollout
    }

    private let groupSize: Int
    private let estimator: ([Double]) -> [Double]
    private var gathering: [String: [Int: Member]] = [:]
    private var sentGroups = RecentMessageIDs(capacity: 1 << 16)

    /// Checks the spec's advantage kind is one this build implements.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        switch spec.advantage {
        case .grpo(let stdEpsilon): estimator = { GroupAdvantage.grpo(rewards: $0, epsilon: stdEpsilon) }
        case .rloo: estimator = { GroupAdvantage.rloo(rewards: $0) }
        case .chain, .tree, .treePO, .gae:
            throw RuntimeError("advantage kind \(spec.advantage.kind.rawValue) is not implemented by this build's advantage stage (it implements: grpo, rloo)")
        }
        guard let groupSize = spec.sampling.samplesPerPrompt else {
            throw RuntimeError("advantage \(spec.advantage.kind.rawValue) needs sampling.samples_per_prompt")
        }
        self.groupSize = groupSize
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        let id = message.envelope.messageID
        guard case .valuedRollout(let valued) = message.body else { return runtime.finish(id) }
        let rollout = valued.segmented.rollout
        let group = rollout.groupID
        if sentGroups.contains(group) || message.envelope.iteration < runtime.driverIteration
            || gathering[group]?[rollout.sampleIndex] != nil || rollout.sampleIndex >= groupSize
        {
            runtime.log("dropping \(id): group \(group) sample \(rollout.sampleIndex) is already in hand, sent or past (iteration \(message.envelope.iteration), driver at \(runtime.driverIteration))")
            return runtime.finish(id)
        }
        gathering[group, default: [:]][rollout.sampleIndex] = Member(envelope: message.envelope, valued: valued)
        guard let members = gathering[group], members.count == groupSize else { return }
        gathering[group] = nil
        _ = sentGroups.insert(group)
        try send(group: group, members: (0..<groupSize).map { members[$0]! }, runtime: runtime)
    }

    public func idle(runtime: StageRuntime) throws {
        for (group, members) in gathering where members.values.contains(where: { $0.envelope.iteration < runtime.driverIteration }) {
            runtime.log("dropping the \(members.count) rollout(s) of incomplete group \(group): the driver is at iteration \(runtime.driverIteration)")
            gathering[group] = nil
            members.values.forEach { runtime.finish($0.envelope.messageID) }
        }
    }

    private func send(group: String, members: [Member], runtime: StageRuntime) throws {
        let rewards = members.map { $0.valued.segmented.rollout.reward }
        let advantages = estimator(rewards)
        var tokens = 0, truncated = 0
        for (member, advantage) in zip(members, advantages) {
            let segmented = member.valued.segmented
            let rollout = segmented.rollout
            tokens += rollout.responseLength
            if rollout.stopReason == .length { truncated += 1 }
            let sample = try TrainingSampleLayout.sample(
                rollout: rollout, tokenMask: segmented.tokenMask.uint8Values,
                advantages: [Float](repeating: Float(advantage), count: rollout.responseLength))
            try runtime.emit(.trainingSample(sample), messageID: "sample/\(group)/\(rollout.sampleIndex)", parent: member.envelope)
            runtime.finish(member.envelope.messageID)
        }
        runtime.sendMetrics(
            ["advantage/rollouts": Double(members.count), "advantage/reward_sum": rewards.reduce(0, +),
             "advantage/correct": Double(rewards.filter { $0 == 1 }.count),
             "advantage/truncated": Double(truncated), "advantage/response_tokens": Double(tokens)],
            iteration: members[0].envelope.iteration, policyVersion: members[0].envelope.policyVersion)
    }
}
