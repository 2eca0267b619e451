import SPOPipelineSpec

/// One training sequence's inputs to `ValueLoss.evaluate`, over its R response tokens.
public struct ValueLossSequence: Sendable, Equatable {
    /// V(s_t) under the critic being trained, [R].
    public var values: [Float]
    /// V_old(s_t), the critic's values when the returns were computed, [R].
    public var oldValues: [Float]
    /// G_t, the regression targets (`GAE.Estimate.returns`), [R].
    public var returns: [Float]
    /// Loss tokens: where the value loss applies, [R].
    public var mask: [Bool]

    /// Checks every array has the same length.
    public init(values: [Float], oldValues: [Float], returns: [Float], mask: [Bool]) {
        precondition([oldValues.count, returns.count, mask.count].allSatisfy { $0 == values.count },
                     "value loss: arrays of one sequence differ in length")
        self.values = values
        self.oldValues = oldValues
        self.returns = returns
        self.mask = mask
    }
}

/// The value loss of one micro-batch, its gradient with respect to every V(s_t) (what
/// `Critic.backward` consumes as `valueGradients`) and its statistics.
public struct ValueLossResult: Sendable, Equatable {
    /// L_V (coefficient included).
    public var loss: Double
    /// ∂L_V/∂V(s_t), [S][R_s]; 0 at tokens outside the mask.
    public var gradients: [[Float]]
    /// Loss tokens in the micro-batch (N).
    public var lossTokenCount: Int
    /// Loss tokens where the clipped term is strictly the larger (their gradient is 0).
    public var clippedTokenCount: Int
    /// Explained variance of the returns by `values` over the loss tokens,
    /// 1 − Var(G − V) / Var(G) (population variances); nil when the loss tokens' returns are
    /// all equal (Var(G) = 0; fewer than 2 loss tokens included). 1 is a perfect critic, 0 no
    /// better than a constant, below 0 worse.
    public var explainedVariance: Double?

    /// clippedTokenCount / lossTokenCount, 0 without loss tokens.
    public var clipFraction: Double {
        lossTokenCount > 0 ? Double(clippedTokenCount) / Double(lossTokenCount) : 0
    }
}

extension ValueLoss {
    /// PPO's clipped value loss (docs/method.md section 6) over a micro-batch, with
    /// k = `coefficient` (0.5) and c = `clip` (0.2):
    ///
    ///     V_clip,t = clip(V_t, V_old,t − c, V_old,t + c)
    ///     L_V      = k · (1/N) Σ_{loss tokens} max((V_t − G_t)², (V_clip,t − G_t)²)
    ///     ∂L_V/∂V_t = 2k (V_t − G_t) / N    when (V_t − G_t)² ≥ (V_clip,t − G_t)², else 0
    ///
    /// (when the clipped term is strictly larger V_t lies outside the clip range, where
    /// V_clip,t does not move with V_t). N counts the loss tokens of the micro-batch; a
    /// micro-batch without any has L_V = 0 and zero gradients. Computed in double precision.
    public func evaluate(_ sequences: [ValueLossSequence]) -> ValueLossResult {
        let lossTokens = sequences.reduce(0) { $0 + $1.mask.filter { $0 }.count }
        let inverseN = lossTokens > 0 ? 1 / Double(lossTokens) : 0
        var total = 0.0, clipped = 0
        var targets: [Double] = [], errors: [Double] = []
        var gradients: [[Float]] = []
        gradients.reserveCapacity(sequences.count)
        for sequence in sequences {
            var row = [Float](repeating: 0, count: sequence.mask.count)
            for t in row.indices where sequence.mask[t] {
                let value = Double(sequence.values[t]), old = Double(sequence.oldValues[t])
                let target = Double(sequence.returns[t])
                let clippedValue = min(max(value, old - clip), old + clip)
                let unclippedTerm = (value - target) * (value - target)
                let clippedTerm = (clippedValue - target) * (clippedValue - target)
                if unclippedTerm >= clippedTerm {
                    total += unclippedTerm
                    row[t] = Float(2 * coefficient * (value - target) * inverseN)
                } else {
                    total += clippedTerm
                    clipped += 1
                }
                targets.append(target)
                errors.append(target - value)
            }
            gradients.append(row)
        }
        let returnsVary = targets.contains { $0 != targets[0] }
        return ValueLossResult(
            loss: coefficient * total * inverseN, gradients: gradients, lossTokenCount: lossTokens,
            clippedTokenCount: clipped,
            explainedVariance: returnsVary
                ? 1 - Self.populationVariance(errors) / Self.populationVariance(targets) : nil)
    }

    /// Σ (x − mean)² / n, two passes; x is not empty.
    private static func populationVariance(_ x: [Double]) -> Double {
        let mean = x.reduce(0, +) / Double(x.count)
        return x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
    }
}
