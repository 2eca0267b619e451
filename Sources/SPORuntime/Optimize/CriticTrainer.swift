import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// One iteration of critic training (PPO, docs/method.md section 6) over the training
/// samples the policy trains on, on the same minibatches (`OptimizeSettings.minibatches`
/// with the same shuffle seed: the same epochs, batch and micro-batch sizes):
///
///     per micro-batch m of a step with M micro-batches:
///         V_t       ← Critic.forward over the response positions (V(s_t), t = 0..<R)
///         L_m, ∂L_m ← ValueLoss.evaluate(V, V_old, G, loss tokens)
///                     = k · mean over loss tokens of max((V − G)², (clip(V, V_old ± c) − G)²)
///         Critic.backward(∂L_m / M)                      (the step's loss is the mean of L_m)
///     clip the critic's global gradient norm to max_gradient_norm (value head included),
///     CriticOptimizer (AdamW) step at the schedule's rate
///
/// V_old and G come with each sample (`ValueTargets`: the value stage's V(s_t) and the
/// advantage stage's GAE returns). Loss tokens are the policy's (the sample's loss mask,
/// and the probability mask when it is on). The critic shares no parameter with the
/// policy, so training it after the policy on the same minibatches is the same as
/// interleaving the two. The policy's skipped steps (mean ratio above
/// `skip_ratio_above`) concern the policy's ratio only: the critic steps on every
/// minibatch. AdamW constants and the learning-rate schedule are the policy's (the spec
/// has no separate critic settings), positioned at the same schedule step.
public final class CriticTrainer {
    /// The critic being trained.
    public let critic: Critic
    /// Its AdamW state.
    public let optimizer: CriticOptimizer
    /// k and c of the value loss.
    public let loss: ValueLoss
    /// The spec's optimisation settings (minibatches, clipping, schedule).
    public let settings: OptimizeSettings
    /// The learning rate over schedule steps.
    public let schedule: LearningRateSchedule
    /// Steps of the schedule taken so far.
    public private(set) var scheduleStep: Int

    /// What one iteration's critic training did.
    public struct Statistics: Sendable, Equatable {
        /// Mean over micro-batches of L_V (coefficient included).
        public var valueLoss = 0.0
        /// Fraction of loss tokens whose clipped term was strictly the larger (no gradient).
        public var clipFraction = 0.0
        /// 1 − Var(G − V_old) / Var(G) over the iteration's loss tokens: how much of the
        /// returns' variance the critic that made the advantages explained; nil when the
        /// returns do not vary.
        public var explainedVariance: Double?
        /// Mean global gradient norm of the critic before clipping, over steps.
        public var gradientNorm = 0.0
        /// Optimizer steps taken.
        public var steps = 0
        /// Wall time of the iteration's critic training.
        public var seconds = 0.0
    }

    /// A trainer for `critic` (with `optimizer`, fresh moments when nil) over a run of
    /// `totalSteps` schedule steps, `scheduleStep` of them taken.
    public init(
        critic: Critic, optimizer: CriticOptimizer? = nil, settings: OptimizeSettings, totalSteps: Int,
        scheduleStep: Int = 0
    ) throws {
        guard let loss = settings.valueLoss else {
            throw RuntimeError("training a critic needs optimize.value_loss (value kind critic fills it in)")
        }
        self.critic = critic
        self.optimizer = try optimizer ?? CriticOptimizer(critic: critic, configuration: settings.adamWConfiguration)
        self.loss = loss
        self.settings = settings
        schedule = settings.schedule(totalSteps: totalSteps)
        self.scheduleStep = scheduleStep
    }

    /// One sample's response positions, ready for the value loss.
    struct Prepared {
        let tokens: [Int32]
        let promptLength: Int
        let mask: [Bool]
        let oldValues: [Float]
        let returns: [Float]
    }

    /// Sums over an iteration's micro-batches and steps.
    private struct Totals {
        var lossSum = 0.0, microBatches = 0, lossTokens = 0, clipped = 0, normSum = 0.0
    }

    /// Trains on one iteration's `samples` with the policy's `shuffleSeed`.
    public func train(_ samples: [TrainingSample], shuffleSeed: UInt64) throws -> Statistics {
        let started = Date()
        let prepared = try samples.map(prepare)
        var statistics = Statistics()
        statistics.explainedVariance = loss.evaluate(prepared.map {
            ValueLossSequence(values: $0.oldValues, oldValues: $0.oldValues, returns: $0.returns, mask: $0.mask)
        }).explainedVariance
        var totals = Totals()
        for indices in settings.minibatches(sampleCount: prepared.count, shuffleSeed: shuffleSeed) {
            try step(indices.map { prepared[$0] }, totals: &totals)
            statistics.steps += 1
        }
        statistics.valueLoss = totals.microBatches > 0 ? totals.lossSum / Double(totals.microBatches) : 0
        statistics.clipFraction = totals.lossTokens > 0 ? Double(totals.clipped) / Double(totals.lossTokens) : 0
        statistics.gradientNorm = statistics.steps > 0 ? totals.normSum / Double(statistics.steps) : 0
        statistics.seconds = Date().timeIntervalSince(started)
        return statistics
    }

    /// One step: gradients accumulated over the batch's micro-batches, clipped, applied.
    private func step(_ batch: [Prepared], totals: inout Totals) throws {
        let microBatchCount = (batch.count + settings.microBatchSize - 1) / settings.microBatchSize
        critic.zeroGradients()
        for start in stride(from: 0, to: batch.count, by: settings.microBatchSize) {
            let members = Array(batch[start..<min(batch.count, start + settings.microBatchSize)])
            try accumulate(members, scale: 1 / Float(microBatchCount), totals: &totals)
        }
        let rate = schedule.rate(atStep: scheduleStep)
        scheduleStep += 1
        let norm = critic.clipGradients(maxNorm: Float(settings.maxGradientNorm))
        guard norm.isFinite else {
            throw RuntimeError("critic gradient norm is \(norm) at schedule step \(scheduleStep); stopping before the update")
        }
        totals.normSum += Double(norm)
        optimizer.update(critic, learningRate: rate)
    }

    /// Forward, value loss and backward of one micro-batch; gradients (times `scale`)
    /// are added to the critic's.
    private func accumulate(_ members: [Prepared], scale: Float, totals: inout Totals) throws {
        let batch = try TokenBatch(sequences: members.map(\.tokens), scoreStarts: members.map(\.promptLength))
        let pass = try critic.forward(batch)
        let result = loss.evaluate(members.indices.map { s in
            ValueLossSequence(
                values: Array(pass.values[batch.scoredOffsets[s]..<batch.scoredOffsets[s + 1]]),
                oldValues: members[s].oldValues, returns: members[s].returns, mask: members[s].mask)
        })
        try critic.backward(pass, valueGradients: result.gradients.flatMap { $0.map { $0 * scale } })
        totals.lossSum += result.loss
        totals.microBatches += 1
        totals.lossTokens += result.lossTokenCount
        totals.clipped += result.clippedTokenCount
    }

    /// The response part of a sample with its critic targets.
    func prepare(_ sample: TrainingSample) throws -> Prepared {
        let tokens = sample.tokens.int32Values, start = sample.promptLength
        guard start >= 1, start < tokens.count else {
            throw RuntimeError("a training sample has prompt_length \(start) of \(tokens.count) tokens; the critic needs at least one prompt and one response token")
        }
        guard let targets = sample.valueTargets else {
            throw RuntimeError("a training sample carries no old_values and returns; value kind critic needs advantage kind gae to send them")
        }
        let mask = LossTokens.mask(
            lossMask: Array(sample.lossMask.uint8Values[start...]),
            oldLogProbabilities: Array(sample.oldLogProbs.floatValues[start...]),
            probabilityMask: settings.probabilityMask)
        return Prepared(
            tokens: tokens, promptLength: start, mask: mask, oldValues: Array(targets.oldValues.floatValues[start...]),
            returns: Array(targets.returns.floatValues[start...]))
    }
}

extension CriticTrainer {
    /// The critic trainer of a run, nil unless the spec's value kind is `critic`:
    /// restored from `checkpoint` (a version's `critic/` directory: weights, AdamW moments
    /// and step) when resuming, else `Critic(initializingFrom: policy)` with fresh moments.
    static func forRun(
        _ spec: ResolvedPipelineSpec, policy: LlamaModel, totalSteps: Int, resumingFrom checkpoint: URL?,
        scheduleStep: Int
    ) throws -> CriticTrainer? {
        guard spec.value == .critic else { return nil }
        guard let checkpoint else {
            return try CriticTrainer(critic: Critic(initializingFrom: policy), settings: spec.optimize, totalSteps: totalSteps)
        }
        guard FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent(ModelCheckpoint.weightsFile).path) else {
            throw RuntimeError("resuming value kind critic: no critic checkpoint at \(checkpoint.path)")
        }
        let critic = try Critic.load(from: checkpoint)
        let optimizer = try CriticOptimizer(critic: critic, configuration: spec.optimize.adamWConfiguration)
        try optimizer.restore(for: critic, from: checkpoint)
        return try CriticTrainer(
            critic: critic, optimizer: optimizer, settings: spec.optimize, totalSteps: totalSteps, scheduleStep: scheduleStep)
    }
}

extension CriticTrainer.Statistics {
    /// The optimize stage's metrics of the iteration's critic training (`optimize/…`; the
    /// explained variance is left out when the returns did not vary).
    var metrics: [String: Double] {
        var values = [
            "optimize/value_loss": valueLoss, "optimize/value_clip_fraction": clipFraction,
            "optimize/value_gradient_norm": gradientNorm, "optimize/critic_seconds": seconds,
        ]
        if let explainedVariance { values["optimize/explained_variance"] = explainedVariance }
        return values
    }
}
