import SPOPipelineSpec
import SPOWire

/// The advantage stage: per-token advantages. Valued rollouts are gathered by `group_id`
/// until the group's G responses (`sampling.samples_per_prompt`) are in; then each
/// response becomes a `training_sample` (id `sample/<group>/<sample>`,
/// `TrainingSampleLayout`, carrying the group and its size) whose tokens carry:
///
/// - `grpo`, `rloo` (docs/method.md section 6): the response's A_i (`GroupAdvantage`);
/// - `chain` (section 3): A_j = V̂(b_{j+1}) − V̂(b_j) of the segment holding the token,
///   from the boundary values (V̂(b_S) = R(τ)); tokens of uncredited segments carry 0
///   (`ChainAdvantage`);
/// - `gae` (section 6, PPO): A_t and G_t by `GAE.estimate` from the critic's V(s_t)
///   (`token_values`) with the reward on the last token; the sample also carries the
///   critic's targets V_old(s_t) and G_t (`old_values`, `returns`). A rollout without token
///   values is credited as if V = 0 (A_t = G_t = the return), with a log line.
///
/// Metrics per group: rollouts, reward sum, correct, truncated, response tokens,
/// credited segments, and the Monte Carlo rollouts and tokens behind the values.
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
    private let credit: Credit
    private var gathering: [String: [Int: Member]] = [:]
    private var sentGroups = RecentMessageIDs(capacity: 1 << 16)

    /// Checks the spec's advantage kind is one this build implements.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        switch spec.advantage {
        case .grpo(let stdEpsilon): credit = .group { GroupAdvantage.grpo(rewards: $0, epsilon: stdEpsilon) }
        case .rloo: credit = .group { GroupAdvantage.rloo(rewards: $0) }
        case .chain: credit = .chain
        case .gae(let gamma, let lambda): credit = .gae(gamma: gamma, lambda: lambda)
        case .tree, .treePO:
            throw RuntimeError("advantage kind \(spec.advantage.kind.rawValue) is not implemented by this build's advantage stage (it implements: grpo, rloo, chain, gae)")
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
        let credits = try tokenCredits(members.map(\.valued), rewards: rewards, runtime: runtime)
        let sampleGroup = try SampleGroup(id: group, samples: members.count)
        var tokens = 0, truncated = 0, segments = 0, valueRollouts = 0, valueTokens = 0
        for (member, credit) in zip(members, credits) {
            let segmented = member.valued.segmented
            let rollout = segmented.rollout
            tokens += rollout.responseLength
            segments += segmented.segmentCount - segmented.firstCreditedSegment
            valueRollouts += member.valued.rolloutCounts.int32Values.reduce(0) { $0 + Int($1) }
            valueTokens += member.valued.tokensSpent
            if rollout.stopReason == .length { truncated += 1 }
            let sample = try TrainingSampleLayout.sample(
                rollout: rollout, tokenMask: segmented.tokenMask.uint8Values, advantages: credit.advantages,
                group: sampleGroup, valueTargets: credit.valueTargets)
            try runtime.emit(.trainingSample(sample), messageID: "sample/\(group)/\(rollout.sampleIndex)", parent: member.envelope)
            runtime.finish(member.envelope.messageID)
        }
        runtime.sendMetrics(
            ["advantage/rollouts": Double(members.count), "advantage/reward_sum": rewards.reduce(0, +),
             "advantage/correct": Double(rewards.filter { $0 == 1 }.count),
             "advantage/truncated": Double(truncated), "advantage/response_tokens": Double(tokens),
             "advantage/segments": Double(segments), "advantage/value_rollouts": Double(valueRollouts),
             "advantage/value_tokens": Double(valueTokens)],
            iteration: members[0].envelope.iteration, policyVersion: members[0].envelope.policyVersion)
    }

    /// How the stage's advantage kind credits a group.
    private enum Credit {
        /// One advantage per response from the group's rewards, on every token.
        case group(([Double]) -> [Double])
        /// Segment advantages from each response's boundary values.
        case chain
        /// GAE from each response's critic values.
        case gae(gamma: Double, lambda: Double)
    }

    /// What one response's tokens carry: advantages [R], and the critic's targets (old
    /// values and returns, [R] each) for kind gae.
    private struct TokenCredit {
        var advantages: [Float]
        var valueTargets: (oldValues: [Float], returns: [Float])? = nil
    }

    /// The per-token credit of each member.
    private func tokenCredits(_ members: [ValuedRollout], rewards: [Double], runtime: StageRuntime) throws -> [TokenCredit] {
        switch credit {
        case .group(let estimator):
            return zip(members, estimator(rewards)).map { member, advantage in
                TokenCredit(advantages: [Float](repeating: Float(advantage), count: member.segmented.rollout.responseLength))
            }
        case .chain:
            return members.map { member in
                let segmented = member.segmented, rollout = segmented.rollout
                guard let advantages = ChainAdvantage.tokenAdvantages(member) else {
                    runtime.log("rollout \(rollout.groupID)/\(rollout.sampleIndex) has no boundary values: advantage 0 on every token")
                    return TokenCredit(advantages: [Float](repeating: 0, count: rollout.responseLength))
                }
                return TokenCredit(advantages: advantages)
            }
        case .gae(let gamma, let lambda):
            return members.map { member in
                let rollout = member.segmented.rollout
                let (values, estimate) = GAE.estimate(member, gamma: gamma, lambda: lambda) ?? {
                    runtime.log("rollout \(rollout.groupID)/\(rollout.sampleIndex) has no token values: GAE with V = 0")
                    let zeros = [Float](repeating: 0, count: rollout.responseLength)
                    return (zeros, GAE.estimate(values: zeros, finalReward: rollout.reward, gamma: gamma, lambda: lambda))
                }()
                return TokenCredit(advantages: estimate.advantages, valueTargets: (values, estimate.returns))
            }
        }
    }
}
