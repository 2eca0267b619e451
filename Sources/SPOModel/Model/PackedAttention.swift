/// Causal grouped-query attention over a packed batch (training path).
///
/// For sequence s (rows o..<o+L of the packed batch), query head h and its key/value head
/// g = h / (H / Hkv):  P = softmax_causal(Q_h K_gᵀ / √d) [L, L];  O_h = P V_g [L, d].
/// Q, K, V are column slices of the fused qkv matrix [N, (H+2Hkv)·d] (q heads, then k heads,
/// then v heads), so every product is one sgemm on strided views, with no copies.
/// P is kept ([H, L, L] per sequence, sequences one after another) for the backward pass.
enum PackedAttention {
    static func forward(
        config c: LlamaConfig, batch: TokenBatch, qkv: UnsafePointer<Float>,
        probabilities: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let d = c.headDimension, QKV = c.qkvWidth, A = c.attentionWidth
        let group = c.headCount / c.keyValueHeadCount
        let scale = 1 / Float(d).squareRoot()
        var probabilityOffset = 0
        for s in 0..<batch.sequenceCount {
            let o = batch.sequenceOffsets[s], L = batch.length(of: s)
            let rows = qkv + o * QKV
            for h in 0..<c.headCount {
                let g = h / group
                let q = rows + h * d, k = rows + A + g * d, v = rows + A + c.keyValueWidth + g * d
                let p = probabilities + probabilityOffset
                BLAS.gemm(transposeB: true, m: L, n: L, k: d, a: q, lda: QKV, b: k, ldb: QKV, c: p, ldc: L)
                Softmax.causalRows(p, rows: L, columns: L, ld: L, scale: scale, firstValid: 1)
                BLAS.gemm(m: L, n: d, k: L, a: p, lda: L, b: v, ldb: QKV,
                          c: output + o * A + h * d, ldc: A)
                probabilityOffset += L * L
            }
        }
    }

    /// Given dO [N, H·d], writes dQKV [N, (H+2Hkv)·d] (gradients w.r.t. the rotated q and k
    /// and v):  dP = dO_h V_gᵀ;  dV_g += Pᵀ dO_h;  dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √d;
    /// dQ_h = dS K_g;  dK_g += dSᵀ Q_h.
    static func backward(
        config c: LlamaConfig, batch: TokenBatch, qkv: UnsafePointer<Float>,
        probabilities: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        qkvGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let d = c.headDimension, QKV = c.qkvWidth, A = c.attentionWidth
        let group = c.headCount / c.keyValueHeadCount
        let scale = 1 / Float(d).squareRoot()
        qkvGradient.update(repeating: 0, count: batch.tokenCount * QKV)
        var probabilityOffset = 0
        for s in 0..<batch.sequenceCount {
            let o = batch.sequenceOffsets[s], L = batch.length(of: s)
            let rows = qkv + o * QKV, gradientRows = qkvGradient + o * QKV
            for h in 0..<c.headCount {
                let g = h / group
                let q = rows + h * d, k = rows + A + g * d, v = rows + A + c.keyValueWidth + g * d
                let dq = gradientRows + h * d, dk = gradientRows + A + g * d
                let dv = gradientRows + A + c.keyValueWidth + g * d
                let p = probabilities + probabilityOffset, dO = outputGradient + o * A + h * d
                BLAS.gemm(transposeB: true, m: L, n: L, k: d, a: dO, lda: A, b: v, ldb: QKV,
                          c: scratch, ldc: L)
                BLAS.gemm(transposeA: true, m: L, n: d, k: L, a: p, lda: L, b: dO, ldb: A,
                          beta: 1, c: dv, ldc: QKV)
                Softmax.causalRowsBackward(probabilities: p, gradient: scratch, rows: L, columns: L,
                                           ld: L, scale: scale, firstValid: 1)
                BLAS.gemm(m: L, n: d, k: L, a: scratch, lda: L, b: k, ldb: QKV, c: dq, ldc: QKV)
                BLAS.gemm(transposeA: true, m: L, n: d, k: L, a: scratch, lda: L, b: q, ldb: QKV,
                          beta: 1, c: dk, ldc: QKV)
                probabilityOffset += L * L
            }
        }
    }
}
