import Foundation

/// The constants of the token-level PPO-clip loss with a k3 KL penalty.
public struct PolicyLossSettings: Sendable, Equatable {
    /// ε of the ratio clip (0.2).
    public var clipEpsilon: Double
    /// c: log-ratios (ρ's and the KL's Δ) are clamped to [−c, c] (10).
    public var logRatioClamp: Double
    /// β, the weight of the KL penalty (1e-4); 0 turns it off.
    public var klBeta: Double

    /// Memberwise initialiser.
    public init(clipEpsilon: Double, logRatioClamp: Double, klBeta: Double) {
        self.clipEpsilon = clipEpsilon
        self.logRatioClamp = logRatioClamp
        self.klBeta = klBeta
    }
}

/// One training sequence's inputs to `PolicyLoss`, over its R scored (response) tokens.
public struct PolicyLossSequence: Sendable, Equatable {
    /// log π(y_t | s_{t−1}) under the policy being trained, at the sampling temperature, [R].
    public var logProbabilities: [Float]
    /// log π_old(y_t | s_{t−1}), the policy that sampled, [R].
    public var oldLogProbabilities: [Float]
    /// log π_ref(y_t | s_{t−1}), the frozen starting policy, [R].
    public var referenceLogProbabilities: [Float]
    /// Â_t, already whitened if whitening is on, [R].
    public var advantages: [Float]
    /// Loss tokens: where the PG and KL terms apply, [R].
    public var mask: [Bool]

    /// Checks every array has the same length.
    public init(
        logProbabilities: [Float], oldLogProbabilities: [Float], referenceLogProbabilities: [Float],
        advantages: [Float], mask: [Bool]
    ) {
        let count = logProbabilities.count
        precondition(
            [oldLogProbabilities.count, referenceLogProbabilities.count, advantages.count, mask.count]
                .allSatisfy { $0 == count },
            "policy loss: arrays of one sequence differ in length")
        self.logProbabilities = logProbabilities
        self.oldLogProbabilities = oldLogProbabilities
        self.referenceLogProbabilities = referenceLogProbabilities
        self.advantages = advantages
        self.mask = mask
    }
}

/// The loss of one micro-batch, its gradient with respect to every log π(y_t) (what
/// `LlamaModel.backward` consumes as `logProbabilityGradients`) and its statistics.
public struct PolicyLossResult: Sendable, Equatable {
    /// L = L_PG + β · KL.
    public var loss: Double
    /// L_PG.
    public var policyLoss: Double
    /// KL (unweighted): per-sequence sums over loss tokens, averaged over sequences.
    public var kl: Double
    /// ∂L/∂log π(y_t), [S][R_s]; 0 at tokens outside the mask.
    public var gradients: [[Float]]
    /// Loss tokens in the micro-batch (N).
    public var lossTokenCount: Int
    /// Loss tokens where the clipped term is strictly the smaller (their PG gradient is 0).
    public var clippedTokenCount: Int
    /// Σ ρ_t over loss tokens (for the mean ratio).
    public var ratioSum: Double
}

/// Token-level PPO-clip (Schulman et al. 2017) with a k3 KL penalty to the reference
/// policy (docs/method.md section 7), over a micro-batch of S sequences:
///
///     ρ_t  = exp(clamp(log π_t − log π_old,t, −c, c))
///     L_PG = −(1/N) Σ_{loss tokens} min(ρ_t Â_t, clip(ρ_t, 1−ε, 1+ε) Â_t)
///     Δ_t  = clamp(log π_ref,t − log π_t, −c, c),   kl_t = e^{Δ_t} − Δ_t − 1
///     KL   = (1/S) Σ_s Σ_{loss tokens of s} kl_t
///     L    = L_PG + β · KL
///
/// N counts the loss tokens of the micro-batch; a micro-batch without any has L_PG = 0.
/// Gradient with respect to log π_t at a loss token (clamps have zero slope outside
/// (−c, c)):
///
///     ∂L_PG/∂log π_t = −Â_t ρ_t / N   when ρ_t Â_t ≤ clip(ρ_t) Â_t and |log π_t − log π_old,t| < c, else 0
///     ∂(β KL)/∂log π_t = (β / S)(1 − e^{Δ_t})   when |log π_ref,t − log π_t| < c, else 0
///
/// No entropy bonus. Values are computed in double precision.
public enum PolicyLoss {
    /// Loss, gradients and statistics of a micro-batch (formulas on the type).
    public static func evaluate(_ sequences: [PolicyLossSequence], settings: PolicyLossSettings) -> PolicyLossResult {
        let c = settings.logRatioClamp, epsilon = settings.clipEpsilon, beta = settings.klBeta
        let lossTokens = sequences.reduce(0) { $0 + $1.mask.filter { $0 }.count }
        let sequenceCount = Double(max(sequences.count, 1))
        let inverseN = lossTokens > 0 ? 1 / Double(lossTokens) : 0
        var objective = 0.0, klTotal = 0.0, ratioSum = 0.0, clipped = 0
        var gradients: [[Float]] = []
        gradients.reserveCapacity(sequences.count)
        for sequence in sequences {
            var row = [Float](repeating: 0, count: sequence.mask.count)
            for t in row.indices where sequence.mask[t] {
                let logProbability = Double(sequence.logProbabilities[t])
                let advantage = Double(sequence.advantages[t])
                let logRatio = logProbability - Double(sequence.oldLogProbabilities[t])
                let ratio = Foundation.exp(min(max(logRatio, -c), c))
                let ratioSlope = abs(logRatio) < c ? ratio : 0
                let unclipped = ratio * advantage
                let clippedTerm = min(max(ratio, 1 - epsilon), 1 + epsilon) * advantage
                var gradient = 0.0
                if unclipped <= clippedTerm {
                    objective += unclipped
                    gradient -= advantage * ratioSlope * inverseN
                } else {
                    objective += clippedTerm
                    clipped += 1
                }
                ratioSum += ratio
                let difference = Double(sequence.referenceLogProbabilities[t]) - logProbability
                let delta = min(max(difference, -c), c)
                let expDelta = Foundation.exp(delta)
                klTotal += expDelta - delta - 1
                if abs(difference) < c { gradient += beta / sequenceCount * (1 - expDelta) }
                row[t] = Float(gradient)
            }
            gradients.append(row)
        }
        let policyLoss = -objective * inverseN
        let kl = klTotal / sequenceCount
        return PolicyLossResult(
            loss: policyLoss + beta * kl, policyLoss: policyLoss, kl: kl, gradients: gradients,
            lossTokenCount: lossTokens, clippedTokenCount: clipped, ratioSum: ratioSum)
    }
}
