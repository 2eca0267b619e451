/// The training forward pass: log-probabilities (and entropies) of a batch's scored tokens,
/// keeping the activations the backward pass needs.
///
/// Activation memory for a batch (floats; 4 bytes each), held in the model's workspace and
/// reused across calls:
///   per layer  N·(4D + (H+2Hkv)·d + H·d + 2I + 2) + H·Σ_s L_s²   (the last term: attention
///              probabilities of every sequence)
///   plus       N·D (final residual) + R·(2D + V + 1) (final norm and vocabulary softmax)
///   scratch    N·I + max_s L_s² and, in the backward pass, N·(3D + (H+2Hkv)·d + H·d + 2I).
/// `LlamaModel.activationBytes` reports what is held.
public final class ForwardPass {
    /// The batch this pass scored.
    public let batch: TokenBatch
    /// Temperature T: log-probabilities are of softmax(logits / T).
    public let temperature: Float
    /// log π(target_r | prefix) at temperature T, [R].
    public internal(set) var logProbabilities: [Float]
    /// Entropy of the temperature-T next-token distribution at each scored position, [R].
    public internal(set) var entropies: [Float]
    /// Whether the LM head ran: false for a pass that only kept the final hidden states
    /// (`forward(_:temperature:computingLogProbabilities:)` with `false`), whose
    /// `logProbabilities` and `entropies` stay 0.
    public let hasLogProbabilities: Bool
    /// The model's parameter version when the pass ran (guards against stale backward calls).
    let generation: Int

    init(batch: TokenBatch, temperature: Float, hasLogProbabilities: Bool, generation: Int) {
        self.batch = batch
        self.temperature = temperature
        self.hasLogProbabilities = hasLogProbabilities
        self.generation = generation
        logProbabilities = Array(repeating: 0, count: batch.scoredCount)
        entropies = Array(repeating: 0, count: batch.scoredCount)
    }
}

extension LlamaModel {
    /// Runs the forward pass over `batch`, keeping activations for `backward`.
    ///
    /// The final-norm output xnf [R, D] of the scored rows is always kept (see
    /// `finalHidden(of:)`). With `computingLogProbabilities` false the LM head, the
    /// vocabulary softmax and their R·V floats of memory are skipped: a critic needs only
    /// xnf. Only one pass is alive at a time: a new call to `forward` reuses the activation
    /// memory.
    public func forward(
        _ batch: TokenBatch, temperature: Float = 1, computingLogProbabilities: Bool = true
    ) throws -> ForwardPass {
        guard temperature > 0, temperature.isFinite else {
            throw TokenBatchError("temperature must be a positive finite number, found \(temperature)")
        }
        try batch.validate(vocabularySize: config.vocabularySize)
        if let bad = batch.sequenceOffsets.indices.dropLast().first(where: { batch.length(of: $0) > config.maximumPositions }) {
            throw TokenBatchError("sequence \(bad) has \(batch.length(of: bad)) tokens, more than max_position_embeddings (\(config.maximumPositions))")
        }
        forwardGeneration += 1
        let pass = ForwardPass(
            batch: batch, temperature: temperature, hasLogProbabilities: computingLogProbabilities,
            generation: forwardGeneration)
        let N = batch.tokenCount, D = config.hiddenSize
        let W = parameters.pointer, ws = workspace

        // Embedding lookup: x0[i] = E[token_i].
        var x = ws.buffer("x.0", N * D)
        for (i, token) in batch.tokens.enumerated() {
            (x + i * D).update(from: W + layout.embedding + Int(token) * D, count: D)
        }
        for (l, layer) in layout.layers.enumerated() {
            let next = ws.buffer("x.\(l + 1)", N * D)
            layerForward(l, layer, batch: batch, input: x, output: next)
            x = next
        }
        scoreForward(pass: pass, hidden: x)
        return pass
    }

    /// One decoder layer, keeping x_l's norm, qkv, attention probabilities and output,
    /// x_mid, its norm and gu for the backward pass.
    private func layerForward(
        _ l: Int, _ layer: LlamaLayout.Layer, batch: TokenBatch,
        input x: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let c = config, N = batch.tokenCount, D = c.hiddenSize, I = c.intermediateSize
        let ws = workspace
        let qkv = ws.buffer("qkv.\(l)", N * c.qkvWidth)
        batch.positions.withUnsafeBufferPointer { positions in
            attentionInput(layer, x: x, rows: N, positions: positions.baseAddress!,
                           normalized: ws.buffer("xn1.\(l)", N * D), rstd: ws.buffer("rstd1.\(l)", N),
                           qkv: qkv)
        }
        let attention = ws.buffer("attn.\(l)", N * c.attentionWidth)
        PackedAttention.forward(config: c, batch: batch, qkv: qkv,
                                probabilities: ws.buffer("probs.\(l)", c.headCount * batch.attentionArea),
                                output: attention)
        attentionOutputAndMLP(
            layer, x: x, attention: attention, rows: N, middle: ws.buffer("xmid.\(l)", N * D),
            normalized: ws.buffer("xn2.\(l)", N * D), rstd: ws.buffer("rstd2.\(l)", N),
            gateUp: ws.buffer("gu.\(l)", N * 2 * I), activation: ws.buffer("h", N * I), output: output)
    }

    /// Final norm on the scored rows, then (if the pass computes them) LM head, temperature
    /// softmax, log p(target), entropy.
    private func scoreForward(pass: ForwardPass, hidden x: UnsafeMutablePointer<Float>) {
        let batch = pass.batch, c = config, D = c.hiddenSize, V = c.vocabularySize
        let R = batch.scoredCount, W = parameters.pointer, ws = workspace
        guard R > 0 else { return }
        let xf = ws.buffer("xf", R * D), xnf = ws.buffer("xnf", R * D), rstdf = ws.buffer("rstdf", R)
        for (r, row) in batch.scoredRows.enumerated() {
            (xf + r * D).update(from: x + Int(row) * D, count: D)
        }
        RMSNorm.forward(x: xf, weight: W + layout.finalNorm, epsilon: c.rmsNormEpsilon,
                        y: xnf, rstd: rstdf, rows: R, width: D)
        guard pass.hasLogProbabilities else { return }
        let logits = ws.buffer("logits", R * V)
        BLAS.gemm(transposeB: true, m: R, n: V, k: D, a: xnf, lda: D, b: W + layout.head, ldb: D,
                  c: logits, ldc: V)
        let inverseTemperature = 1 / pass.temperature
        pass.logProbabilities.withUnsafeMutableBufferPointer { logProbabilities in
            pass.entropies.withUnsafeMutableBufferPointer { entropies in
                batch.targets.withUnsafeBufferPointer { targets in
                    let lp = logProbabilities.baseAddress!, en = entropies.baseAddress!
                    let tg = targets.baseAddress!
                    Parallel.forEachChunk(R, minimumPerChunk: 4) { range in
                        for r in range {
                            let z = logits + r * V
                            let targetLogit = z[Int(tg[r])] * inverseTemperature
                            let (lse, expected) = Softmax.vocabularyRow(
                                z, count: V, inverseTemperature: inverseTemperature)
                            lp[r] = targetLogit - lse
                            en[r] = lse - expected
                        }
                    }
                }
            }
        }
    }
}

extension LlamaModel {
    /// A copy of the final-norm output xnf_r = RMSNorm(x_L)[scoredRows[r]] of every scored
    /// position r of `pass`, [R·D] row-major: the features a value head reads.
    /// The pass must be the model's latest forward pass (its activations are reused).
    public func finalHidden(of pass: ForwardPass) throws -> [Float] {
        try checkLatest(pass)
        let count = pass.batch.scoredCount * config.hiddenSize
        guard count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: finalHiddenPointer(rows: pass.batch.scoredCount), count: count))
    }

    /// The workspace's xnf [R, D] of the latest pass.
    func finalHiddenPointer(rows R: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer("xnf", R * config.hiddenSize)
    }

    /// Throws unless `pass` is the model's latest forward pass.
    func checkLatest(_ pass: ForwardPass) throws {
        guard pass.generation == forwardGeneration else {
            throw TokenBatchError("stale forward pass: another forward ran on this model since")
        }
    }
}

extension TokenBatch {
    /// Σ_s L_s²: floats of attention probabilities per head.
    var attentionArea: Int {
        (0..<sequenceCount).reduce(0) { $0 + length(of: $1) * length(of: $1) }
    }
}
