/// A scalar value head on the final normalised hidden state (PPO's critic output,
/// method.md section 6): for every scored position r,
///
///     v_r = w · xnf_r + b          w [D], b scalar, xnf [R, D] (`LlamaModel.finalHidden(of:)`)
///
/// Parameters live in one flat buffer [D + 1] (w, then b) with a gradient buffer of the same
/// layout, so the optimizer and gradient clipping are single loops. Saved as Hugging Face's
/// `nn.Linear(D, 1)`: `value_head.weight` [1, D] and `value_head.bias` [1].
///
/// Not thread-safe: one forward/backward at a time.
public final class ValueHead: @unchecked Sendable {
    /// D, the width of the hidden state read.
    public let hiddenSize: Int
    /// w then b, [D + 1].
    public let parameters: FloatBuffer
    /// ∂loss/∂w then ∂loss/∂b, [D + 1]; accumulated by `backward`.
    public let gradients: FloatBuffer

    /// A head with w = 0 and b = 0: the critic starts at V = 0 everywhere (so GAE with
    /// γ = λ = 1 starts as the plain return). The transformer under it gets no gradient
    /// (∂v/∂xnf = w = 0) until the first update moves w; no random draw is needed.
    public init(hiddenSize: Int) {
        precondition(hiddenSize > 0, "value head: hidden size must be positive, got \(hiddenSize)")
        self.hiddenSize = hiddenSize
        parameters = FloatBuffer(count: hiddenSize + 1)
        gradients = FloatBuffer(count: hiddenSize + 1)
    }

    /// A head with the given w [D] and b.
    public convenience init(weight: [Float], bias: Float) {
        self.init(hiddenSize: weight.count)
        weight.withUnsafeBufferPointer { parameters.pointer.update(from: $0.baseAddress!, count: weight.count) }
        parameters.pointer[hiddenSize] = bias
    }

    /// D + 1.
    public var parameterCount: Int { hiddenSize + 1 }

    /// A copy of w, [D].
    public var weight: [Float] { Array(UnsafeBufferPointer(start: parameters.pointer, count: hiddenSize)) }

    /// b.
    public var bias: Float { parameters.pointer[hiddenSize] }

    /// Sets both gradients to zero.
    public func zeroGradients() { gradients.zero() }

    /// v_r = w · xnf_r + b for `rows` rows of `hidden` [rows, D].
    func values(hidden: UnsafePointer<Float>, rows: Int) -> [Float] {
        let D = hiddenSize, w = parameters.pointer, b = w[D]
        return (0..<rows).map { Vector.dot(hidden + $0 * D, w, D) + b }
    }

    /// Given g_r = ∂loss/∂v_r [rows]: accumulates ∂loss/∂w += Σ_r g_r xnf_r and
    /// ∂loss/∂b += Σ_r g_r, and writes ∂loss/∂xnf_r = g_r · w into `hiddenGradients` [rows, D].
    func backward(
        hidden: UnsafePointer<Float>, valueGradients g: [Float], hiddenGradients: UnsafeMutablePointer<Float>
    ) {
        let D = hiddenSize, w = parameters.pointer, dw = gradients.pointer
        var biasGradient: Float = 0
        for (r, gr) in g.enumerated() {
            Vector.addScaled(hidden + r * D, gr, into: dw, D)
            biasGradient += gr
            let row = hiddenGradients + r * D
            row.update(from: w, count: D)
            Vector.scale(row, gr, D)
        }
        dw[D] += biasGradient
    }
}
