/// PPO's critic (method.md section 6): a Llama transformer with a scalar `ValueHead` on its
/// final normalised hidden state, V(s_t) = w · xnf_t + b.
///
/// Scored positions follow `TokenBatch`: with `scoreStarts[s]` = prompt length P, position
/// r = t of the response reads the hidden state after tokens 0..<P+t, so `values` [R] are
/// V(s_0) … V(s_{R−1}), s_t being the state before response token t (the GAE convention).
///
/// A training step, with any loss L(v) of the values (e.g. `ValueLoss`):
///
///     critic.zeroGradients()
///     per micro-batch:  pass = critic.forward(batch);  critic.backward(pass, valueGradients: ∂L/∂v)
///     critic.clipGradients(maxNorm:);  optimizer.update(critic, learningRate:)
///
/// The critic's forward skips the LM head (`computingLogProbabilities: false`), and its
/// backward enters the transformer at the final norm, so it never pays for the vocabulary.
/// `lm_head.weight` (untied models) is kept only so the checkpoint stays a loadable Llama;
/// its gradient stays 0. Not thread-safe: one forward/backward at a time.
public final class Critic: @unchecked Sendable {
    /// The transformer, [P] parameters.
    public let model: LlamaModel
    /// The value head, [D + 1] parameters.
    public let head: ValueHead

    /// A critic from a transformer and a head of the same hidden size.
    public init(model: LlamaModel, head: ValueHead) {
        precondition(model.config.hiddenSize == head.hiddenSize,
                     "critic: model hidden size \(model.config.hiddenSize), value head reads \(head.hiddenSize)")
        self.model = model
        self.head = head
    }

    /// A critic initialised from the policy: a copy of its weights (later updates of either
    /// do not touch the other) and a zero value head (`ValueHead(hiddenSize:)`).
    public convenience init(initializingFrom policy: LlamaModel) {
        let parameters = FloatBuffer(count: policy.layout.parameterCount)
        parameters.pointer.update(from: policy.parameters.pointer, count: parameters.count)
        self.init(model: LlamaModel(config: policy.config, parameters: parameters),
                  head: ValueHead(hiddenSize: policy.config.hiddenSize))
    }

    /// P + D + 1.
    public var parameterCount: Int { model.layout.parameterCount + head.parameterCount }

    /// Runs the transformer over `batch` (no LM head) and the value head over the scored
    /// positions, keeping activations for `backward`. One pass alive at a time.
    public func forward(_ batch: TokenBatch) throws -> CriticPass {
        let pass = try model.forward(batch, computingLogProbabilities: false)
        let values = head.values(hidden: model.finalHiddenPointer(rows: batch.scoredCount), rows: batch.scoredCount)
        return CriticPass(forwardPass: pass, values: values)
    }

    /// V(s) at every scored position of `batch`, [R] (packed like `TokenBatch.targets`).
    public func values(for batch: TokenBatch) throws -> [Float] { try forward(batch).values }

    /// Accumulates into the head's and the transformer's gradients the gradient of a loss
    /// given g_r = ∂loss/∂v_r for every scored position r of `pass` ([R]):
    /// ∂loss/∂w += Σ_r g_r xnf_r, ∂loss/∂b += Σ_r g_r, and ∂loss/∂xnf_r = g_r w goes back
    /// through the transformer. The pass must be the latest forward of this critic.
    public func backward(_ pass: CriticPass, valueGradients: [Float]) throws {
        let R = pass.batch.scoredCount, D = head.hiddenSize
        try model.checkLatest(pass.forwardPass)
        guard valueGradients.count == R else {
            throw TokenBatchError("\(valueGradients.count) value gradients for \(R) scored positions")
        }
        guard R > 0 else { return }
        let hiddenGradients = model.workspace.buffer("critic.dxnf", R * D)
        head.backward(hidden: model.finalHiddenPointer(rows: R), valueGradients: valueGradients,
                      hiddenGradients: hiddenGradients)
        try model.backward(pass.forwardPass, logProbabilityGradients: nil,
                           finalHiddenPointer: UnsafePointer(hiddenGradients))
    }

    /// Sets the transformer's and the head's gradients to zero.
    public func zeroGradients() {
        model.zeroGradients()
        head.zeroGradients()
    }

    /// Clips the critic's gradient by one global L2 norm over transformer and head
    /// (as `GradientClipping.clip`: scaled by maxNorm / (‖g‖₂ + 1e-6) when ‖g‖₂ > maxNorm)
    /// and returns the pre-clip ‖g‖₂. A non-finite norm leaves the gradients unchanged.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float {
        let transformer = GradientClipping.globalNorm(model.gradients.pointer, count: model.layout.parameterCount)
        let headNorm = GradientClipping.globalNorm(head.gradients.pointer, count: head.parameterCount)
        let norm = (Double(transformer) * Double(transformer) + Double(headNorm) * Double(headNorm)).squareRoot()
        let total = Float(norm)
        guard total.isFinite, total > maxNorm else { return total }
        let scale = maxNorm / (total + 1e-6)
        Vector.scale(model.gradients.pointer, scale, model.layout.parameterCount)
        Vector.scale(head.gradients.pointer, scale, head.parameterCount)
        return total
    }
}

/// One critic forward pass: the values and the activations its backward needs.
public final class CriticPass {
    /// V(s) at every scored position, [R].
    public let values: [Float]
    /// The transformer's pass (final hidden states only, no log-probabilities).
    public let forwardPass: ForwardPass

    init(forwardPass: ForwardPass, values: [Float]) {
        self.forwardPass = forwardPass
        self.values = values
    }

    /// The batch the pass scored.
    public var batch: TokenBatch { forwardPass.batch }
}
