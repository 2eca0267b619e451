import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// One iteration of policy optimisation over its training samples (docs/method.md
/// section 7): `epochs` passes; each pass shuffles the samples and takes optimizer steps
/// of `batch_size` samples (`OptimizeSettings.minibatches`), each step accumulating
/// gradients over micro-batches of `micro_batch_size` samples:
///
///     per micro-batch m of a step with M micro-batches:
///         log π_t   ← LlamaModel.forward at the sampling temperature
///         Â         ← advantages whitened over m's loss tokens (if whiten_advantages)
///         L_m, ∂L_m ← PolicyLoss (PPO-clip, k3 KL to π_ref)
///         LlamaModel.backward(∂L_m / M)                     (the step's loss is the mean of L_m)
///     mean ratio of the step > skip_ratio_above  →  skip the step (gradients dropped)
///     otherwise clip the global gradient norm, AdamW step at the schedule's rate
///
/// Loss tokens: the sample's loss mask, and with the probability mask on, only where
/// π_old(y_t) < τ. Reference log-probs come from the sample when present, else from the
/// frozen starting policy on each micro-batch.
public final class PolicyOptimizer {
    /// The policy being trained.
    public let model: LlamaModel
    /// π_ref, the frozen starting policy.
    public let reference: LlamaModel
    /// AdamW state.
    public let adamw: AdamW
    /// The spec's optimisation settings.
    public let settings: OptimizeSettings
    /// Sampling temperature T: log-probs are of softmax(logits / T).
    public let temperature: Float
    /// The learning rate over schedule steps.
    public let schedule: LearningRateSchedule
    /// Steps of the schedule taken so far (skipped steps included).
    public private(set) var scheduleStep: Int

    /// What one iteration's training did.
    public struct Statistics: Sendable, Equatable {
        /// Training samples in the iteration.
        public var samples = 0
        /// Optimizer steps taken and skipped.
        public var steps = 0, skippedSteps = 0
        /// Mean over micro-batches of L_PG.
        public var policyLoss = 0.0
        /// KL to π_ref: per-sequence sums, averaged over sequences.
        public var kl = 0.0
        /// Fraction of loss tokens whose clipped term was the smaller.
        public var clipFraction = 0.0
        /// Mean ratio ρ over loss tokens.
        public var meanRatio = 0.0
        /// Mean and population std of the (unwhitened) advantages over loss tokens.
        public var advantageMean = 0.0, advantageStd = 0.0
        /// Mean global gradient norm before clipping, over steps taken.
        public var gradientNorm = 0.0
        /// Tokens through the policy's forward passes, per second of training.
        public var tokensPerSecond = 0.0
        /// Wall time of the iteration's training.
        public var seconds = 0.0
        /// Learning rate of the last step.
        public var learningRate = 0.0
        /// Loss tokens over response tokens (below 1 where the probability mask or the
        /// samples' loss masks exclude tokens).
        public var lossTokenFraction = 0.0
    }

    /// An optimizer for `model` from `reference`, with `totalSteps` schedule steps in the run.
    public init(
        model: LlamaModel, reference: LlamaModel, settings: OptimizeSettings, temperature: Double,
        totalSteps: Int, scheduleStep: Int = 0
    ) throws {
        guard model.config == reference.config else {
            throw RuntimeError("policy and reference models have different configs")
        }
        self.model = model
        self.reference = reference
        self.settings = settings
        self.temperature = Float(temperature)
        self.scheduleStep = scheduleStep
        adamw = try AdamW(parameterCount: model.layout.parameterCount, configuration: settings.adamWConfiguration)
        schedule = settings.schedule(totalSteps: totalSteps)
    }

    /// Schedule steps of a run: iterations × epochs × ⌈samples per iteration / batch size⌉.
    public static func totalSteps(iterations: Int, samplesPerIteration: Int, settings: OptimizeSettings) -> Int {
        iterations * settings.epochs * ((samplesPerIteration + settings.batchSize - 1) / settings.batchSize)
    }

    static func peakRate(_ settings: LearningRateSettings) -> Double {
        switch settings {
        case .constant(let rate): return rate
        case .linearWarmupLinearDecay(let peak, _, _): return peak
        }
    }

    /// One sample's response tokens, ready for the loss.
    struct Prepared {
        let tokens: [Int32]
        let promptLength: Int
        let mask: [Bool]
        let advantages: [Float]
        let oldLogProbabilities: [Float]
        let referenceLogProbabilities: [Float]?
    }

    /// Sums over an iteration's micro-batches and steps.
    struct Totals {
        var lossTokens = 0, clipped = 0, ratioSum = 0.0, klSum = 0.0, sequences = 0
        var policyLossSum = 0.0, microBatches = 0, tokens = 0, normSum = 0.0
    }

    /// Trains on one iteration's `samples`; `shuffleSeed` orders them in each epoch.
    public func train(_ samples: [TrainingSample], shuffleSeed: UInt64) throws -> Statistics {
        let started = Date()
        let prepared = try samples.map(prepare)
        var statistics = Statistics()
        statistics.samples = samples.count
        let responseTokens = prepared.reduce(0) { $0 + $1.mask.count }
        let lossTokens = prepared.reduce(0) { $0 + $1.mask.filter { $0 }.count }
        statistics.lossTokenFraction = responseTokens > 0 ? Double(lossTokens) / Double(responseTokens) : 0
        if let (mean, variance, count) = AdvantageWhitening.statistics(prepared.map(\.advantages), mask: prepared.map(\.mask)) {
            statistics.advantageMean = mean
            statistics.advantageStd = (variance * Double(count - 1) / Double(count)).squareRoot()
        }
        var totals = Totals()
        for indices in settings.minibatches(sampleCount: prepared.count, shuffleSeed: shuffleSeed) {
            try step(indices.map { prepared[$0] }, totals: &totals, statistics: &statistics)
        }
        statistics.policyLoss = totals.microBatches > 0 ? totals.policyLossSum / Double(totals.microBatches) : 0
        statistics.kl = totals.sequences > 0 ? totals.klSum / Double(totals.sequences) : 0
        statistics.clipFraction = totals.lossTokens > 0 ? Double(totals.clipped) / Double(totals.lossTokens) : 0
        statistics.meanRatio = totals.lossTokens > 0 ? totals.ratioSum / Double(totals.lossTokens) : 0
        statistics.gradientNorm = statistics.steps > 0 ? totals.normSum / Double(statistics.steps) : 0
        statistics.seconds = Date().timeIntervalSince(started)
        statistics.tokensPerSecond = Double(totals.tokens) / max(statistics.seconds, 1e-9)
        return statistics
    }

    /// One optimizer step over `batch`: gradients accumulated over its micro-batches, then
    /// skipped (mean ratio too high) or clipped and applied.
    private func step(_ batch: [Prepared], totals: inout Totals, statistics: inout Statistics) throws {
        let microBatchCount = (batch.count + settings.microBatchSize - 1) / settings.microBatchSize
        model.zeroGradients()
        var ratioSum = 0.0, lossTokens = 0
        for start in stride(from: 0, to: batch.count, by: settings.microBatchSize) {
            let members = Array(batch[start..<min(batch.count, start + settings.microBatchSize)])
            let result = try accumulate(members, scale: 1 / Float(microBatchCount), totals: &totals)
            ratioSum += result.ratioSum
            lossTokens += result.lossTokenCount
        }
        totals.lossTokens += lossTokens
        totals.ratioSum += ratioSum
        let rate = schedule.rate(atStep: scheduleStep)
        scheduleStep += 1
        statistics.learningRate = Double(rate)
        if lossTokens > 0, ratioSum / Double(lossTokens) > settings.skipRatioAbove {
            statistics.skippedSteps += 1
            model.zeroGradients()
            return
        }
        let norm = GradientClipping.clip(
            model.gradients.pointer, count: model.layout.parameterCount, maxNorm: Float(settings.maxGradientNorm))
        guard norm.isFinite else {
            throw RuntimeError("gradient norm is \(norm) at schedule step \(scheduleStep); stopping before the update")
        }
        totals.normSum += Double(norm)
        adamw.update(
            parameters: model.parameters.pointer, gradients: model.gradients.pointer,
            count: model.layout.parameterCount, learningRate: rate)
        statistics.steps += 1
    }

    /// Forward, loss and backward of one micro-batch; gradients (scaled by `scale`, one
    /// over the step's micro-batches) are added to the model's.
    private func accumulate(_ members: [Prepared], scale: Float, totals: inout Totals) throws -> PolicyLossResult {
        let batch = try TokenBatch(sequences: members.map(\.tokens), scoreStarts: members.map(\.promptLength))
        let references = try referenceLogProbabilities(members, batch: batch)
        let pass = try model.forward(batch, temperature: temperature)
        let advantages = settings.whitenAdvantages
            ? AdvantageWhitening.whiten(members.map(\.advantages), mask: members.map(\.mask))
            : members.map(\.advantages)
        let inputs = members.indices.map { s in
            PolicyLossSequence(
                logProbabilities: Array(pass.logProbabilities[batch.scoredOffsets[s]..<batch.scoredOffsets[s + 1]]),
                oldLogProbabilities: members[s].oldLogProbabilities, referenceLogProbabilities: references[s],
                advantages: advantages[s], mask: members[s].mask)
        }
        let result = PolicyLoss.evaluate(
            inputs,
            settings: PolicyLossSettings(
                clipEpsilon: settings.clipEpsilon, logRatioClamp: settings.logRatioClamp, klBeta: settings.kl.beta))
        try model.backward(pass, logProbabilityGradients: result.gradients.flatMap { $0.map { $0 * scale } })
        totals.clipped += result.clippedTokenCount
        totals.klSum += result.kl * Double(members.count)
        totals.sequences += members.count
        totals.policyLossSum += result.policyLoss
        totals.microBatches += 1
        totals.tokens += batch.tokenCount
        return result
    }

    /// The response part of a sample, with its loss tokens.
    func prepare(_ sample: TrainingSample) throws -> Prepared {
        let tokens = sample.tokens.int32Values, start = sample.promptLength
        guard start >= 1, start < tokens.count else {
            throw RuntimeError("a training sample has prompt_length \(start) of \(tokens.count) tokens; the optimizer needs at least one prompt and one response token")
        }
        let old = Array(sample.oldLogProbs.floatValues[start...])
        let mask = LossTokens.mask(
            lossMask: Array(sample.lossMask.uint8Values[start...]), oldLogProbabilities: old,
            probabilityMask: settings.probabilityMask)
        return Prepared(
            tokens: tokens, promptLength: start, mask: mask, advantages: Array(sample.advantages.floatValues[start...]),
            oldLogProbabilities: old,
            referenceLogProbabilities: sample.referenceLogProbs.map { Array($0.floatValues[start...]) })
    }

    /// log π_ref of each member of a micro-batch: the sample's own when it carries them,
    /// else the reference model's on the same packed batch as the policy's pass, so that
    /// before the first update Δ is exactly 0 (a differently packed batch rounds
    /// differently, and AdamW would turn that noise into full-size steps).
    func referenceLogProbabilities(_ members: [Prepared], batch: TokenBatch) throws -> [[Float]] {
        if members.allSatisfy({ $0.referenceLogProbabilities != nil }) {
            return members.map { $0.referenceLogProbabilities! }
        }
        let pass = try reference.forward(batch, temperature: temperature)
        return members.indices.map { s in
            members[s].referenceLogProbabilities
                ?? Array(pass.logProbabilities[batch.scoredOffsets[s]..<batch.scoredOffsets[s + 1]])
        }
    }
}

/// Which response tokens the loss applies to (docs/method.md section 7).
public enum LossTokens {
    /// The sample's loss mask, and with the probability mask on, only tokens with
    /// π_old(y_t) < τ (log π_old < ln τ). Shapes [R].
    public static func mask(lossMask: [UInt8], oldLogProbabilities: [Float], probabilityMask: ProbabilityMask) -> [Bool] {
        let threshold = Float(Foundation.log(probabilityMask.threshold))
        return zip(lossMask, oldLogProbabilities).map { flag, old in
            flag == 1 && (!probabilityMask.enabled || old < threshold)
        }
    }
}
