import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// The optimize stage: gathers an iteration's training samples, trains on
/// them (`PolicyOptimizer`: PPO-clip, k3 KL to π_ref, AdamW), saves the new weights as
/// the next policy version (`WeightsStore`) and broadcasts them (`WeightsBroadcast`: the
/// saved file's announcement for transport `checkpoint_file`, its bytes in chunks for
/// `stream`), then tells the driver the iteration is done with its metrics.
/// With value kind `critic` (PPO) it also trains the critic on the same minibatches
/// (`CriticTrainer`) and saves it with every weights version (`<version>/critic/`), from
/// which the value stage loads it.
///
/// Custody of the samples ends when the new version is saved: a stage restarted after a
/// crash reloads the newest saved version (weights, AdamW state, schedule step, the critic
/// and its AdamW state, and the summary it re-sends to the driver) and gets the unfinished
/// iteration's samples again from the advantage stage.
///
/// An iteration is complete when `prompts_per_iteration` groups are, a group being
/// complete when the `group_samples` its samples announce are in; samples without a group
/// (a producer that does not send one) count against prompts × G instead.
///
/// Tree methods drop the samples (edges) whose advantage is exactly 0 before training
/// (docs/method.md section 4); `optimize/samples` counts what arrived,
/// `optimize/trained_samples` what was trained on.
///
/// Staleness: a sample whose policy version lags the current one by more than
/// `optimize.max_staleness`, or that belongs to a finished iteration, is acknowledged and
/// dropped (counted in `optimize/stale_samples`).
public final class OptimizeWorker: StageWorker {
    private let optimizer: PolicyOptimizer
    private let critic: CriticTrainer?
    private let store: WeightsStore
    private let samplesPerIteration: Int?
    private let promptsPerIteration: Int
    private let maxStaleness: Int
    private let runSeed: UInt64
    private let dropsZeroAdvantageSamples: Bool
    private var iteration: Int
    private var version: Int
    private var gathered: [Int: [String: TrainingSample]] = [:]
    private let broadcast: WeightsBroadcast
    private var doneMetrics: [String: Double]?
    private var staleSamples = 0
    private var nextSummary = ContinuousClock.now

    /// Re-sends of the last finished iteration's summary to the driver are this far apart
    /// (the weights are re-announced as often, `WeightsBroadcast`).
    public static let summaryInterval: Duration = .seconds(1)

    /// Loads π_ref and the policy (the newest saved version when restarting), and saves
    /// and announces version 0 on a fresh run.
    public init(runtime: StageRuntime) throws {
        let spec = runtime.spec
        promptsPerIteration = spec.sampling.promptsPerIteration
        samplesPerIteration = spec.sampling.samplesPerPrompt.map { $0 * spec.sampling.promptsPerIteration }
        maxStaleness = spec.optimize.maxStaleness
        runSeed = spec.seed
        dropsZeroAdvantageSamples = spec.advantage.kind == .tree
        store = WeightsStore(runDirectory: runtime.runDirectory)
        broadcast = WeightsBroadcast(transport: spec.weightsTransport, store: store, includesCritic: spec.value == .critic)
        let reference = try RunResources.initialModel(spec)
        let totalSteps = PolicyOptimizer.totalSteps(
            iterations: spec.iterations, samplesPerIteration: Self.expectedSamples(spec), settings: spec.optimize)
        var saved: WeightsAnnouncement?
        if let latest = try store.latest() {
            let directory = store.versionDirectory(latest.version)
            let model = try ModelCheckpoint.loadModel(from: directory)
            optimizer = try PolicyOptimizer(
                model: model, reference: reference, settings: spec.optimize, temperature: spec.sampling.temperature,
                totalSteps: totalSteps, scheduleStep: latest.step)
            try ModelCheckpoint.restoreOptimizer(optimizer.adamw, layout: model.layout, from: directory)
            critic = try CriticTrainer.forRun(
                spec, policy: reference, totalSteps: totalSteps, resumingFrom: store.criticDirectory(latest.version),
                scheduleStep: latest.step)
            iteration = latest.iteration
            version = latest.version
            doneMetrics = latest.metrics
            runtime.log("resuming from weights version \(version) (\(iteration) iterations done, step \(latest.step))")
        } else {
            let model = LlamaModel(config: reference.config)
            model.parameters.pointer.update(from: reference.parameters.pointer, count: reference.layout.parameterCount)
            optimizer = try PolicyOptimizer(
                model: model, reference: reference, settings: spec.optimize, temperature: spec.sampling.temperature,
                totalSteps: totalSteps)
            let critic = try CriticTrainer.forRun(spec, policy: reference, totalSteps: totalSteps, resumingFrom: nil, scheduleStep: 0)
            self.critic = critic
            iteration = 0
            version = 0
            saved = try store.save(
                model, optimizer: optimizer.adamw, critic: critic.map { ($0.critic, $0.optimizer) },
                state: .init(version: 0, iteration: 0, step: 0))
        }
        try broadcast.publish(version: version, saved: saved, iteration: iteration, runtime: runtime)
    }

    public func process(_ message: Message, runtime: StageRuntime) throws {
        let envelope = message.envelope
        guard case .trainingSample(let sample) = message.body else { return runtime.finish(envelope.messageID) }
        if envelope.iteration < iteration || envelope.policyVersion < version - maxStaleness {
            staleSamples += 1
            runtime.log("dropping \(envelope.messageID): iteration \(envelope.iteration), policy version \(envelope.policyVersion); the optimizer is at iteration \(iteration), version \(version), max staleness \(maxStaleness)")
            return runtime.finish(envelope.messageID)
        }
        gathered[envelope.iteration, default: [:]][envelope.messageID] = sample
        try trainIfComplete(runtime: runtime)
    }

    public func idle(runtime: StageRuntime) throws {
        if runtime.takeWeightsResendRequest() { broadcast.requestResend() }
        try broadcast.tick(iteration: iteration, runtime: runtime)
        let now = ContinuousClock.now
        guard now >= nextSummary else { return }
        nextSummary = now + Self.summaryInterval
        if let doneMetrics { runtime.sendMetrics(doneMetrics, iteration: iteration - 1, policyVersion: version) }
    }

    /// The critic and its optimizer, to save with each version (value kind critic).
    private var criticCheckpoint: (critic: Critic, optimizer: CriticOptimizer?)? {
        critic.map { ($0.critic, $0.optimizer) }
    }

    /// Samples an iteration is expected to hold, for the learning-rate schedule's length:
    /// prompts × G, for SPO-trees prompts × the edges of a full tree, for TreePO prompts ×
    /// the leaf budget (one sample per leaf).
    static func expectedSamples(_ spec: ResolvedPipelineSpec) -> Int {
        let prompts = spec.sampling.promptsPerIteration
        if let samplesPerPrompt = spec.sampling.samplesPerPrompt { return prompts * samplesPerPrompt }
        switch spec.tree {
        case .spoTree(let tree)?:
            var edges = 0, nodes = 1
            for branching in tree.branching {
                nodes *= branching
                edges += nodes
            }
            return prompts * edges
        case .treePO(let tree)?: return prompts * tree.leafBudget
        case nil: return prompts
        }
    }

    /// Whether an iteration's gathered samples (one per message id) are all it will get:
    /// `prompts` groups each holding the `group_samples` it announces, or, when any sample
    /// comes without a group, at least `ungroupedTarget` samples (nil: never).
    static func isComplete(_ samples: [TrainingSample], prompts: Int, ungroupedTarget: Int?) -> Bool {
        var groups: [String: (have: Int, want: Int)] = [:]
        var ungrouped = 0
        for sample in samples {
            guard let group = sample.group else {
                ungrouped += 1
                continue
            }
            groups[group.id, default: (0, group.samples)].have += 1
        }
        if ungrouped > 0 || groups.isEmpty { return ungroupedTarget.map { samples.count >= $0 } ?? false }
        return groups.count >= prompts && groups.values.allSatisfy { $0.have >= $0.want }
    }

    private func trainIfComplete(runtime: StageRuntime) throws {
        guard let samples = gathered[iteration],
              Self.isComplete(Array(samples.values), prompts: promptsPerIteration, ungroupedTarget: samplesPerIteration)
        else { return }
        gathered[iteration] = nil
        let ids = samples.keys.sorted()
        var training = ids.map { samples[$0]! }
        let received = training.count
        if dropsZeroAdvantageSamples { training.removeAll { $0.advantages.floatValues.allSatisfy { $0 == 0 } } }
        let shuffleSeed = SeedDerivation.seed(runSeed, "optimize/\(iteration)")
        let statistics = try optimizer.train(training, shuffleSeed: shuffleSeed)
        let criticStatistics = try critic?.train(training, shuffleSeed: shuffleSeed)
        version += 1
        iteration += 1
        var metrics: [String: Double] = [
            "optimize/iteration_done": 1, "optimize/samples": Double(received),
            "optimize/trained_samples": Double(statistics.samples),
            "optimize/steps": Double(statistics.steps), "optimize/skipped_steps": Double(statistics.skippedSteps),
            "optimize/policy_loss": statistics.policyLoss, "optimize/kl": statistics.kl,
            "optimize/clip_fraction": statistics.clipFraction, "optimize/mean_ratio": statistics.meanRatio,
            "optimize/advantage_mean": statistics.advantageMean, "optimize/advantage_std": statistics.advantageStd,
            "optimize/gradient_norm": statistics.gradientNorm, "optimize/learning_rate": statistics.learningRate,
            "optimize/tokens_per_second": statistics.tokensPerSecond, "optimize/seconds": statistics.seconds,
            "optimize/loss_token_fraction": statistics.lossTokenFraction,
            "optimize/stale_samples": Double(staleSamples), "optimize/version": Double(version),
        ]
        if let criticStatistics { metrics.merge(criticStatistics.metrics) { $1 } }
        let saveStarted = ContinuousClock.now
        let saved = try store.save(
            optimizer.model, optimizer: optimizer.adamw, critic: criticCheckpoint,
            state: .init(version: version, iteration: iteration, step: optimizer.scheduleStep, metrics: metrics))
        metrics["optimize/save_seconds"] = (ContinuousClock.now - saveStarted).seconds
        try broadcast.publish(version: version, saved: saved, iteration: iteration, runtime: runtime)
        ids.forEach(runtime.finish)
        doneMetrics = metrics
        runtime.sendMetrics(metrics, iteration: iteration - 1, policyVersion: version)
        nextSummary = .now + Self.summaryInterval
    }
}
