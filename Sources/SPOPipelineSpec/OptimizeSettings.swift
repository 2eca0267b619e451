/// Token-level PPO-clip with KL to the reference policy, AdamW and the probability mask
/// (method.md section 7):
///
///     ρ    = exp(clamp(log π − log π_old, −c, c))                  c = logRatioClamp
///     L_PG = −mean over loss tokens of min(ρ·A, clip(ρ, 1−ε, 1+ε)·A)   ε = clipEpsilon
///     Δ    = clamp(log π_ref − log π, −c, c),  kl = e^Δ − Δ − 1 (k3), summed over a
///            sequence's loss tokens, averaged over sequences, weight β
///
/// Loss tokens are all response tokens, or with the probability mask only those with
/// π_old(y_t) < τ; the mask applies to the PG term, the KL term and the whitening
/// statistics alike. No entropy bonus.
public struct OptimizeSettings: Sendable, Equatable, Codable {
    /// ε of the ratio clip (0.2).
    public var clipEpsilon: Double
    /// c: log-ratios (ρ and the KL's Δ) are clamped to [−c, c] (10).
    public var logRatioClamp: Double
    /// The SPO probability mask.
    public var probabilityMask: ProbabilityMask
    /// The KL penalty to the reference policy.
    public var kl: KLPenalty
    /// Passes over one iteration's samples.
    public var epochs: Int
    /// Training samples (sequences) per optimizer step.
    public var batchSize: Int
    /// Samples per forward/backward pass; divides `batchSize` (gradients accumulate).
    /// Advantages are whitened per micro-batch.
    public var microBatchSize: Int
    /// The learning rate over optimizer steps.
    public var learningRate: LearningRateSettings
    /// AdamW's constants.
    public var adamw: AdamWSettings
    /// Gradients are clipped to this global L2 norm (1).
    public var maxGradientNorm: Double
    /// A batch whose mean ratio ρ exceeds this is skipped (10).
    public var skipRatioAbove: Double
    /// Whether advantages are whitened over the micro-batch's loss tokens (unbiased
    /// variance, + 1e-8; an empty mask leaves them unchanged).
    public var whitenAdvantages: Bool
    /// The critic's loss (PPO, value kind critic only; nil otherwise).
    public var valueLoss: ValueLoss?
    /// The largest policy-version lag of a rollout the optimizer accepts (0: strictly
    /// on-policy).
    public var maxStaleness: Int
    /// SPO-tree's replay buffer (advantage kind tree only; nil otherwise).
    public var replay: ReplayBuffer?

    /// Creates the settings; `spo validate` checks the ranges.
    public init(
        clipEpsilon: Double, logRatioClamp: Double, probabilityMask: ProbabilityMask, kl: KLPenalty,
        epochs: Int, batchSize: Int, microBatchSize: Int, learningRate: LearningRateSettings,
        adamw: AdamWSettings, maxGradientNorm: Double, skipRatioAbove: Double, whitenAdvantages: Bool,
        valueLoss: ValueLoss?, maxStaleness: Int, replay: ReplayBuffer?
    ) {
        self.clipEpsilon = clipEpsilon
        self.logRatioClamp = logRatioClamp
        self.probabilityMask = probabilityMask
        self.kl = kl
        self.epochs = epochs
        self.batchSize = batchSize
        self.microBatchSize = microBatchSize
        self.learningRate = learningRate
        self.adamw = adamw
        self.maxGradientNorm = maxGradientNorm
        self.skipRatioAbove = skipRatioAbove
        self.whitenAdvantages = whitenAdvantages
        self.valueLoss = valueLoss
        self.maxStaleness = maxStaleness
        self.replay = replay
    }

    enum CodingKeys: String, CodingKey {
        case clipEpsilon = "clip_epsilon"
        case logRatioClamp = "log_ratio_clamp"
        case probabilityMask = "probability_mask"
        case kl, epochs
        case batchSize = "batch_size"
        case microBatchSize = "micro_batch_size"
        case learningRate = "learning_rate"
        case adamw
        case maxGradientNorm = "max_gradient_norm"
        case skipRatioAbove = "skip_ratio_above"
        case whitenAdvantages = "whiten_advantages"
        case valueLoss = "value_loss"
        case maxStaleness = "max_staleness"
        case replay
    }
}

/// SPO's probability mask: loss tokens are those with π_old(y_t) < `threshold` (τ).
public struct ProbabilityMask: Sendable, Equatable, Codable {
    /// Whether the mask applies.
    public var enabled: Bool
    /// τ in (0, 1] (0.9).
    public var threshold: Double

    /// Creates the mask settings.
    public init(enabled: Bool, threshold: Double) {
        self.enabled = enabled
        self.threshold = threshold
    }
}

/// The KL penalty to the frozen starting policy π_ref.
public struct KLPenalty: Sendable, Equatable, Codable {
    /// β >= 0 (1e-4); 0 turns the penalty off.
    public var beta: Double
    /// The estimator (k3).
    public var estimator: KLEstimator

    /// Creates the penalty settings.
    public init(beta: Double, estimator: KLEstimator) {
        self.beta = beta
        self.estimator = estimator
    }
}

/// AdamW (Loshchilov & Hutter 2019) constants: β1 0.9, β2 0.999, ε 1e-8, weight decay 0.
public struct AdamWSettings: Sendable, Equatable, Codable {
    /// β1 in [0, 1).
    public var beta1: Double
    /// β2 in [0, 1).
    public var beta2: Double
    /// ε > 0.
    public var epsilon: Double
    /// Decoupled weight decay >= 0.
    public var weightDecay: Double

    /// Creates the constants.
    public init(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    enum CodingKeys: String, CodingKey {
        case beta1, beta2, epsilon
        case weightDecay = "weight_decay"
    }
}

/// PPO's critic loss (method.md section 6, "0.5·MSE with value clip 0.2"):
///
///     L_V = coefficient · mean over loss tokens of max((V − R)², (V_old + clip(V − V_old, −c, c) − R)²)
///
/// with R the return and c = `clip`.
public struct ValueLoss: Sendable, Equatable, Codable {
    /// Weight of the value loss in the total loss (0.5).
    public var coefficient: Double
    /// c of the value clip (0.2).
    public var clip: Double

    /// Creates the loss settings.
    public init(coefficient: Double, clip: Double) {
        self.coefficient = coefficient
        self.clip = clip
    }
}

/// SPO-tree's optional replay buffer: edges from earlier iterations train again, at most
/// `maxEdgesPerPrompt` per prompt per iteration, none older than `maxAge` iterations.
public struct ReplayBuffer: Sendable, Equatable, Codable {
    /// Whether the buffer is used (off by default).
    public var enabled: Bool
    /// At most this many edges per prompt per iteration (32).
    public var maxEdgesPerPrompt: Int
    /// Edges older than this many iterations are discarded (8).
    public var maxAge: Int

    /// Creates the buffer settings.
    public init(enabled: Bool, maxEdgesPerPrompt: Int, maxAge: Int) {
        self.enabled = enabled
        self.maxEdgesPerPrompt = maxEdgesPerPrompt
        self.maxAge = maxAge
    }

    enum CodingKeys: String, CodingKey {
        case enabled
        case maxEdgesPerPrompt = "max_edges_per_prompt"
        case maxAge = "max_age"
    }
}

/// The learning rate over optimizer steps; JSON `{"kind": "constant", "rate": 1e-6}` or
/// `{"kind": "linear_warmup_linear_decay", "peak": 1e-6, "warmup_fraction": 0.03,
/// "final": 0}`. The optimizer turns the fraction into steps once it knows the total
/// (`LearningRateSchedule.warmupFraction` in SPOModel: W = max(1, round(f · T))).
public enum LearningRateSettings: Sendable, Equatable, Codable {
    /// η = rate at every step.
    case constant(rate: Double)
    /// Linear warm-up to `peak` over `warmupFraction` of the run's optimizer steps, then
    /// linear decay to `final` at the last step.
    case linearWarmupLinearDecay(peak: Double, warmupFraction: Double, final: Double)

    /// The JSON `kind` of each case.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `constant`
        case constant
        /// `linear_warmup_linear_decay`
        case linearWarmupLinearDecay = "linear_warmup_linear_decay"
    }

    /// The case's kind.
    public var kind: Kind {
        switch self {
        case .constant: return .constant
        case .linearWarmupLinearDecay: return .linearWarmupLinearDecay
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, rate, peak, final
        case warmupFraction = "warmup_fraction"
    }

    /// Decodes `{"kind": …, parameters}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .constant:
            self = .constant(rate: try container.decode(Double.self, forKey: .rate))
        case .linearWarmupLinearDecay:
            self = .linearWarmupLinearDecay(
                peak: try container.decode(Double.self, forKey: .peak),
                warmupFraction: try container.decode(Double.self, forKey: .warmupFraction),
                final: try container.decode(Double.self, forKey: .final))
        }
    }

    /// Encodes `{"kind": …, parameters}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .constant(let rate):
            try container.encode(rate, forKey: .rate)
        case .linearWarmupLinearDecay(let peak, let warmupFraction, let final):
            try container.encode(peak, forKey: .peak)
            try container.encode(warmupFraction, forKey: .warmupFraction)
            try container.encode(final, forKey: .final)
        }
    }
}

extension LearningRateSettings.Kind: SpecChoice {}
