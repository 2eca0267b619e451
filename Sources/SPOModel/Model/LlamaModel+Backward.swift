/// The backward pass of `LlamaModel.forward`.
extension LlamaModel {
    /// Accumulates into `gradients` the gradient of a loss given ∂loss/∂log π(target_r) for
    /// every scored position r of `pass` ([R]).
    ///
    /// At the head, with p = softmax(z / T) and target y: ∂log p_y/∂z_j = (δ_jy − p_j) / T.
    /// Gradients are added, so micro-batches accumulate; call `zeroGradients()` between steps.
    /// The pass must be the model's latest forward pass (its activations are reused).
    public func backward(_ pass: ForwardPass, logProbabilityGradients: [Float]) throws {
        try backward(pass, logProbabilityGradients: logProbabilityGradients, finalHiddenPointer: nil)
    }

    /// Accumulates into `gradients` the gradient of a loss that reads the log-probabilities
    /// and/or the final hidden states of `pass`:
    ///
    ///     ∂loss/∂xnf = (∂loss/∂log π) through the LM head  +  `finalHiddenGradients`
    ///
    /// - Parameters:
    ///   - logProbabilityGradients: ∂loss/∂log π(target_r), [R], or nil when the loss does
    ///     not read log-probabilities: the LM head's two R×V×D products are then skipped
    ///     and its gradient is left untouched.
    ///   - finalHiddenGradients: ∂loss/∂xnf_r (xnf as returned by `finalHidden(of:)`),
    ///     [R·D] row-major, or nil. A value head's gradient enters here.
    /// With both nil nothing is added. Log-probability gradients need a pass that computed
    /// log-probabilities.
    public func backward(
        _ pass: ForwardPass, logProbabilityGradients: [Float]?, finalHiddenGradients: [Float]?
    ) throws {
        let expected = pass.batch.scoredCount * config.hiddenSize
        if let finalHiddenGradients, finalHiddenGradients.count != expected {
            throw TokenBatchError("\(finalHiddenGradients.count) final hidden gradients for \(pass.batch.scoredCount) scored positions × hidden size \(config.hiddenSize)")
        }
        guard let finalHiddenGradients else {
            return try backward(pass, logProbabilityGradients: logProbabilityGradients, finalHiddenPointer: nil)
        }
        try finalHiddenGradients.withUnsafeBufferPointer {
            try backward(pass, logProbabilityGradients: logProbabilityGradients, finalHiddenPointer: $0.baseAddress)
        }
    }

    /// The backward pass with ∂loss/∂xnf given as a pointer to [R, D] floats (or nil).
    func backward(
        _ pass: ForwardPass, logProbabilityGradients: [Float]?, finalHiddenPointer: UnsafePointer<Float>?
    ) throws {
        let batch = pass.batch
        guard pass.generation == forwardGeneration else {
            throw TokenBatchError("backward called on a stale forward pass: another forward ran since")
        }
        if let logProbabilityGradients {
            guard logProbabilityGradients.count == batch.scoredCount else {
                throw TokenBatchError("\(logProbabilityGradients.count) log-probability gradients for \(batch.scoredCount) scored positions")
            }
            guard pass.hasLogProbabilities else {
                throw TokenBatchError("log-probability gradients for a forward pass that did not compute log-probabilities")
            }
        }
        guard logProbabilityGradients != nil || finalHiddenPointer != nil else { return }
        let c = config, N = batch.tokenCount, D = c.hiddenSize
        let G = gradients.pointer
        let dx = workspace.zeroed("dx", N * D)
        headBackward(pass: pass, gradients: logProbabilityGradients, finalHiddenGradients: finalHiddenPointer, dx: dx)
        for (l, layer) in layout.layers.enumerated().reversed() {
            layerBackward(l, layer, batch: batch, dx: dx)
        }
        // Embedding: dE[token_i] += dx_i.
        for (i, token) in batch.tokens.enumerated() {
            Vector.add(dx + i * D, into: G + layout.embedding + Int(token) * D, D)
        }
    }

    /// LM head (when `g` is given) and final norm: scatters ∂loss/∂x_L of the scored rows
    /// into dx [N, D]. `finalHiddenGradients` [R, D], when given, is added to ∂loss/∂xnf.
    private func headBackward(
        pass: ForwardPass, gradients g: [Float]?, finalHiddenGradients: UnsafePointer<Float>?,
        dx: UnsafeMutablePointer<Float>
    ) {
        let batch = pass.batch, c = config, D = c.hiddenSize, V = c.vocabularySize
        let R = batch.scoredCount, W = parameters.pointer, G = gradients.pointer, ws = workspace
        guard R > 0 else { return }
        let xf = ws.buffer("xf", R * D), xnf = ws.buffer("xnf", R * D), rstdf = ws.buffer("rstdf", R)
        let dxnf: UnsafePointer<Float>
        if let g {
            let logits = ws.buffer("logits", R * V)   // holds p = softmax(z / T) after the forward
            let inverseTemperature = 1 / pass.temperature
            // dz_j = g/T · (δ_jy − p_j), in place over p.
            for r in 0..<R {
                let row = logits + r * V, scale = g[r] * inverseTemperature
                Vector.scale(row, -scale, V)
                row[Int(batch.targets[r])] += scale
            }
            let headGradient = ws.buffer("dxnf", R * D)
            BLAS.gemm(m: R, n: D, k: V, a: logits, lda: V, b: W + layout.head, ldb: D, c: headGradient, ldc: D)
            BLAS.gemm(transposeA: true, m: V, n: D, k: R, a: logits, lda: V, b: xnf, ldb: D,
                      beta: 1, c: G + layout.head, ldc: D)
            if let finalHiddenGradients { Vector.add(finalHiddenGradients, into: headGradient, R * D) }
            dxnf = UnsafePointer(headGradient)
        } else if let finalHiddenGradients {
            dxnf = finalHiddenGradients
        } else {
            return
        }
        let dxf = ws.buffer("dxf", R * D)
        RMSNorm.backward(dy: dxnf, x: xf, rstd: rstdf, weight: W + layout.finalNorm, dx: dxf,
                         dWeight: G + layout.finalNorm, rows: R, width: D, accumulate: false)
        for (r, row) in batch.scoredRows.enumerated() {
            Vector.add(dxf + r * D, into: dx + Int(row) * D, D)
        }
    }

    /// One decoder layer backward; `dx` holds ∂loss/∂x_{l+1} on entry and ∂loss/∂x_l on exit.
    private func layerBackward(
        _ l: Int, _ layer: LlamaLayout.Layer, batch: TokenBatch, dx: UnsafeMutablePointer<Float>
    ) {
        let c = config, N = batch.tokenCount, D = c.hiddenSize, I = c.intermediateSize
        let QKV = c.qkvWidth, A = c.attentionWidth
        let W = parameters.pointer, G = gradients.pointer, ws = workspace
        let x = ws.buffer("x.\(l)", N * D), xMid = ws.buffer("xmid.\(l)", N * D)

        // MLP: x_{l+1} = x_mid + h · Wdownᵀ, h = swiglu(gu), gu = xn2 · Wguᵀ.
        let gateUp = ws.buffer("gu.\(l)", N * 2 * I), h = ws.buffer("h", N * I)
        SwiGLU.forward(gateUp: gateUp, output: h, rows: N, width: I)   // recomputed, not stored
        BLAS.gemm(transposeA: true, m: D, n: I, k: N, a: dx, lda: D, b: h, ldb: I,
                  beta: 1, c: G + layer.down, ldc: I)
        let dh = ws.buffer("dh", N * I)
        BLAS.gemm(m: N, n: I, k: D, a: dx, lda: D, b: W + layer.down, ldb: I, c: dh, ldc: I)
        let dGateUp = ws.buffer("dgu", N * 2 * I)
        SwiGLU.backward(gateUp: gateUp, outputGradient: dh, gateUpGradient: dGateUp, rows: N, width: I)
        let xn2 = ws.buffer("xn2.\(l)", N * D), dxn = ws.buffer("dxn", N * D)
        BLAS.gemm(transposeA: true, m: 2 * I, n: D, k: N, a: dGateUp, lda: 2 * I, b: xn2, ldb: D,
                  beta: 1, c: G + layer.gateUp, ldc: D)
        BLAS.gemm(m: N, n: D, k: 2 * I, a: dGateUp, lda: 2 * I, b: W + layer.gateUp, ldb: D,
                  c: dxn, ldc: D)
        RMSNorm.backward(dy: dxn, x: xMid, rstd: ws.buffer("rstd2.\(l)", N),
                         weight: W + layer.postAttentionNorm, dx: dx,
                         dWeight: G + layer.postAttentionNorm, rows: N, width: D, accumulate: true)

        // Attention: x_mid = x_l + attn · Woᵀ.
        let attention = ws.buffer("attn.\(l)", N * A), dAttention = ws.buffer("dattn", N * A)
        BLAS.gemm(transposeA: true, m: D, n: A, k: N, a: dx, lda: D, b: attention, ldb: A,
                  beta: 1, c: G + layer.output, ldc: A)
        BLAS.gemm(m: N, n: A, k: D, a: dx, lda: D, b: W + layer.output, ldb: A, c: dAttention, ldc: A)
        let qkv = ws.buffer("qkv.\(l)", N * QKV), dqkv = ws.buffer("dqkv", N * QKV)
        let maximumLength = (0..<batch.sequenceCount).map { batch.length(of: $0) }.max() ?? 0
        PackedAttention.backward(
            config: c, batch: batch, qkv: qkv,
            probabilities: ws.buffer("probs.\(l)", c.headCount * batch.attentionArea),
            outputGradient: dAttention, qkvGradient: dqkv,
            scratch: ws.buffer("dscores", Parallel.workerCount * maximumLength * maximumLength))
        batch.positions.withUnsafeBufferPointer { positions in
            rotary.apply(dqkv, rows: N, stride: QKV, heads: c.headCount,
                         positions: positions.baseAddress!, inverse: true)
            rotary.apply(dqkv + A, rows: N, stride: QKV, heads: c.keyValueHeadCount,
                         positions: positions.baseAddress!, inverse: true)
        }
        let xn1 = ws.buffer("xn1.\(l)", N * D)
        BLAS.gemm(transposeA: true, m: QKV, n: D, k: N, a: dqkv, lda: QKV, b: xn1, ldb: D,
                  beta: 1, c: G + layer.qkv, ldc: D)
        BLAS.gemm(m: N, n: D, k: QKV, a: dqkv, lda: QKV, b: W + layer.qkv, ldb: D, c: dxn, ldc: D)
        RMSNorm.backward(dy: dxn, x: x, rstd: ws.buffer("rstd1.\(l)", N),
                         weight: W + layer.inputNorm, dx: dx,
                         dWeight: G + layer.inputNorm, rows: N, width: D, accumulate: true)
    }
}
