import SPOPipelineSpec
import SPOWire

/// The advantage stage: per-token advantages. Valued rollouts are gathered by `group_id`
/// until the group's G responses (`sampling.samples_per_prompt`) are in; then each
/// response becomes a `training_sample` (id `sample/<group>/<sample>`,
/// `TrainingSampleLayout`, carrying the group and its size) whose tokens carry:
///
/// - `grpo`, `rloo` (docs/method.md section 6): the response's A_i (`GroupAdvantage`);
/// - `tree` (section 4): one sample per edge with a non-zero advantage (a tree whose
///   edges are all 0 sends its first edge, for the group count);
/// - `chain` (section 3): A_j = V̂(b_{j+1}) − V̂(b_j) of the segment holding the token,
///   from the boundary values (V̂(b_S) = R(τ)); tokens of uncredited segments carry 0
///   (`ChainAdvantage`);
/// - `gae` (section 6, PPO): A_t and G_t by `GAE.estimate` from the critic's V(s_t)
///   (`token_values`) with the reward on the last token; the sample also carries the
///   critic's targets V_old(s_t) and G_t (`old_values`, `returns`). A rollout without token
///   values is credited as if V = 0 (A_t = G_t = the return), with a log line.
/// - `treepo` (section 5): one sample per leaf, the leaf's Â_i (`TreePOAdvantage`, from
///   the leaves' tree paths and rewards) on every response token.
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

    private let groupSize: Int?
    private let credit: Credit
    private var groups = GroupGathering()

    /// Checks the spec's advantage kind is one this build implements.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        switch spec.advantage {
        case .grpo(let stdEpsilon): credit = .group { GroupAdvantage.grpo(rewards: $0, epsilon: stdEpsilon) }
        case .rloo: credit = .group { GroupAdvantage.rloo(rewards: $0) }
        case .chain: credit = .chain
        case .tree(let form, let stdEpsilon): credit = .tree(form, stdEpsilon)
        case .gae(let gamma, let lambda): credit = .gae(gamma: gamma, lambda: lambda)
        case .treePO: credit = .treePO
        }
        groupSize = spec.sampling.samplesPerPrompt
        if groupSize == nil, spec.tree == nil {
            throw RuntimeError("advantage \(spec.advantage.kind.rawValue) needs sampling.samples_per_prompt")
        }
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        let id = message.envelope.messageID
        guard case .valuedRollout(let valued) = message.body else { return runtime.finish(id) }
        let rollout = valued.segmented.rollout
        guard let size = rollout.tree?.leaves ?? groupSize else {
            runtime.log("dropping \(id): a tree method's rollout without tree_path/tree_leaves")
            return runtime.finish(id)
        }
        switch groups.add(message, group: rollout.groupID, index: rollout.sampleIndex, size: size, driverIteration: runtime.driverIteration) {
        case .kept: return
        case .refused(let reason):
            runtime.log("dropping \(id): \(reason)")
            runtime.finish(id)
        case .complete(let messages):
            let members = messages.compactMap { message -> Member? in
                guard case .valuedRollout(let valued) = message.body else { return nil }
                return Member(envelope: message.envelope, valued: valued)
            }
            try send(group: rollout.groupID, members: members, runtime: runtime)
        }
    }

    public func idle(runtime: StageRuntime) throws {
        for (group, messages) in groups.dropPast(driverIteration: runtime.driverIteration) {
            runtime.log("dropping the \(messages.count) rollout(s) of incomplete group \(group): the driver is at iteration \(runtime.driverIteration)")
            messages.forEach { runtime.finish($0.envelope.messageID) }
        }
    }

    private func send(group: String, members: [Member], runtime: StageRuntime) throws {
        let rewards = members.map { $0.valued.segmented.rollout.reward }
        let samples = try trainingSamples(group: group, members: members, rewards: rewards, runtime: runtime)
        for (name, sample, parent) in samples {
            try runtime.emit(.trainingSample(sample), messageID: "sample/\(group)/\(name)", parent: members[parent].envelope)
        }
        members.forEach { runtime.finish($0.envelope.messageID) }
        var tokens = 0, truncated = 0, segments = 0, valueRollouts = 0, valueTokens = 0
        for member in members {
            let segmented = member.valued.segmented
            tokens += segmented.rollout.responseLength
            segments += segmented.segmentCount - segmented.firstCreditedSegment
            valueRollouts += member.valued.rolloutCounts.int32Values.reduce(0) { $0 + Int($1) }
            valueTokens += member.valued.tokensSpent
            if segmented.rollout.stopReason == .length { truncated += 1 }
        }
        let zeroSamples = samples.filter { $0.sample.advantages.floatValues.allSatisfy { $0 == 0 } }.count
        runtime.sendMetrics(
            ["advantage/groups": 1, "advantage/rollouts": Double(members.count),
             "advantage/reward_sum": rewards.reduce(0, +), "advantage/correct": Double(rewards.filter { $0 == 1 }.count),
             "advantage/truncated": Double(truncated), "advantage/response_tokens": Double(tokens),
             "advantage/segments": Double(segments), "advantage/value_rollouts": Double(valueRollouts),
             "advantage/value_tokens": Double(valueTokens), "advantage/samples": Double(samples.count),
             "advantage/zero_samples": Double(zeroSamples)],
            iteration: members[0].envelope.iteration, policyVersion: members[0].envelope.policyVersion)
    }

    /// How the stage's advantage kind credits a group.
    private enum Credit {
        /// One advantage per response from the group's rewards, on every token.
        case group(([Double]) -> [Double])
        /// Segment advantages from each response's boundary values.
        case chain
        /// One sample per tree edge, A = V(child) − V(parent) (or over the siblings' std).
        case tree(TreeAdvantageForm, Double)
        /// GAE from each response's critic values.
        case gae(gamma: Double, lambda: Double)
        /// One advantage per tree leaf from the subtree means of the rewards, on every token.
        case treePO
    }

    /// The group's training samples, each naming its group and the group's size: a name
    /// for the id (`<sample>` per response, `<path>` dotted per tree edge) and the member
    /// whose envelope is the parent.
    private func trainingSamples(
        group: String, members: [Member], rewards: [Double], runtime: StageRuntime
    ) throws -> [(name: String, sample: TrainingSample, parent: Int)] {
        let valued = members.map(\.valued)
        if case .tree(let form, let stdEpsilon) = credit {
            let values = try TreeValues(leaves: valued.map(Self.treeLeaf))
            let prompt = valued[0].segmented.rollout.promptTokens.int32Values
            // Zero-advantage edges are not sent (the optimizer would drop them); a tree
            // whose edges are all zero sends its first edge alone, so the optimizer still
            // hears the group is complete (and drops it).
            let all = values.edges(form: form, stdEpsilon: stdEpsilon)
            let nonZero = all.filter { !$0.isZero }
            let edges = nonZero.isEmpty ? [all[0]] : nonZero
            let sampleGroup = try SampleGroup(id: group, samples: edges.count)
            return try edges.map { edge in
                (edge.path.map(String.init).joined(separator: "."),
                 try TrainingSampleLayout.sample(promptTokens: prompt, edge: edge, group: sampleGroup), edge.leafIndex)
            }
        }
        let credits = try tokenCredits(valued, rewards: rewards, runtime: runtime)
        let sampleGroup = try SampleGroup(id: group, samples: valued.count)
        return try valued.indices.map { i in
            let segmented = valued[i].segmented
            let sample = try TrainingSampleLayout.sample(
                rollout: segmented.rollout, tokenMask: segmented.tokenMask.uint8Values, advantages: credits[i].advantages,
                group: sampleGroup, valueTargets: credits[i].valueTargets)
            return ("\(segmented.rollout.sampleIndex)", sample, i)
        }
    }

    /// A tree leaf as the tree rebuild reads it: its path, segment boundaries, tokens,
    /// log-probs and reward.
    static func treeLeaf(_ valued: ValuedRollout) -> TreeLeaf {
        let segmented = valued.segmented, rollout = segmented.rollout
        return TreeLeaf(
            path: rollout.tree?.path ?? [rollout.sampleIndex], boundaries: segmented.boundaries.int32Values.map(Int.init),
            responseTokens: rollout.responseTokens.int32Values, logProbabilities: rollout.logProbs.floatValues,
            reward: rollout.reward)
    }

    /// What one response's tokens carry: advantages [R], and the critic's targets (old
    /// values and returns, [R] each) for kind gae.
    private struct TokenCredit {
        var advantages: [Float]
        var valueTargets: (oldValues: [Float], returns: [Float])? = nil
    }

    /// The per-token credit of each member (group, TreePO, chain and GAE credit).
    private func tokenCredits(_ members: [ValuedRollout], rewards: [Double], runtime: StageRuntime) throws -> [TokenCredit] {
        switch credit {
        case .group(let estimator):
            return zip(members, estimator(rewards)).map { member, advantage in
                TokenCredit(advantages: [Float](repeating: Float(advantage), count: member.segmented.rollout.responseLength))
            }
        case .treePO:
            let paths = members.map { Self.treeLeaf($0).path }
            return zip(members, TreePOAdvantage.advantages(paths: paths, rewards: rewards)).map { member, advantage in
                TokenCredit(advantages: [Float](repeating: Float(advantage), count: member.segmented.rollout.responseLength))
            }
        case .chain, .tree:
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
