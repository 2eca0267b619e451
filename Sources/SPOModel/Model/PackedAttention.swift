/// Causal grouped-query attention over a packed batch (training path).
///
/// For sequence s (rows o..<o+L of the packed batch), query head h and its key/value head
/// g = h / (H / Hkv):  P = softmax_causal(Q_h K_gᵀ / √d) [L, L];  O_h = P V_g [L, d].
/// Q, K, V are column slices of the fused qkv matrix [N, (H+2Hkv)·d] (q heads, then k heads,
/// then v heads), so every product is one sgemm on strided views, with no copies.
/// P is kept ([H, L, L] per sequence, sequences one after another) for the backward pass.
///
/// The (sequence, key/value head) pairs are independent; they run in parallel, one per core,
/// each with single-threaded sgemm (small products do not split well across cores). The
/// heads of one group stay in one work item, so dK_g and dV_g have a single writer.
enum PackedAttention {
    /// Start of each sequence's probabilities: H · Σ_{s' < s} L_{s'}², [S].
    static func probabilityOffsets(_ batch: TokenBatch, heads: Int) -> [Int] {
        var offsets: [Int] = [], total = 0
        for s in 0..<batch.sequenceCount {
            offsets.append(total)
            total += heads * batch.length(of: s) * batch.length(of: s)
        }
        return offsets
    }

    static func forward(
        config c: LlamaConfig, batch: TokenBatch, qkv: UnsafePointer<Float>,
        probabilities: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let d = c.headDimension, QKV = c.qkvWidth, A = c.attentionWidth
        let group = c.headCount / c.keyValueHeadCount, Hkv = c.keyValueHeadCount
        let scale = 1 / Float(d).squareRoot()
        let offsets = probabilityOffsets(batch, heads: c.headCount)
        BLAS.singleThreaded {
            Parallel.forEachChunk(batch.sequenceCount * Hkv) { items in
                for item in items {
                    let s = item / Hkv, g = item % Hkv
                    let o = batch.sequenceOffsets[s], L = batch.length(of: s)
                    let rows = qkv + o * QKV
                    let k = rows + A + g * d, v = rows + A + c.keyValueWidth + g * d
                    for h in (g * group)..<((g + 1) * group) {
                        let p = probabilities + offsets[s] + h * L * L
                        BLAS.gemm(transposeB: true, m: L, n: L, k: d, a: rows + h * d, lda: QKV, b: k, ldb: QKV,
                                  c: p, ldc: L)
                        Softmax.causalRows(p, rows: L, columns: L, ld: L, scale: scale, firstValid: 1)
                        BLAS.gemm(m: L, n: d, k: L, a: p, lda: L, b: v, ldb: QKV, c: output + o * A + h * d, ldc: A)
                    }
                }
            }
        }
    }

    /// Given dO [N, H·d], writes dQKV [N, (H+2Hkv)·d] (gradients w.r.t. the rotated q and k
    /// and v):  dP = dO_h V_gᵀ;  dV_g += Pᵀ dO_h;  dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √d;
    /// dQ_h = dS K_g;  dK_g += dSᵀ Q_h.  `scratch` holds one [L, L] matrix per core.
    static func backward(
        config c: LlamaConfig, batch: TokenBatch, qkv: UnsafePointer<Float>,
        probabilities: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        qkvGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let d = c.headDimension, QKV = c.qkvWidth, A = c.attentionWidth
        let group = c.headCount / c.keyValueHeadCount, Hkv = c.keyValueHeadCount
        let scale = 1 / Float(d).squareRoot()
        let offsets = probabilityOffsets(batch, heads: c.headCount)
        let longest = (0..<batch.sequenceCount).map { batch.length(of: $0) }.max() ?? 0
        qkvGradient.update(repeating: 0, count: batch.tokenCount * QKV)
        BLAS.singleThreaded {
            Parallel.forEachChunkIndexed(batch.sequenceCount * Hkv) { chunk, items in
                let dP = scratch + chunk * longest * longest
                for item in items {
                    let s = item / Hkv, g = item % Hkv
                    let o = batch.sequenceOffsets[s], L = batch.length(of: s)
                    let rows = qkv + o * QKV, gradientRows = qkvGradient + o * QKV
                    let k = rows + A + g * d, v = rows + A + c.keyValueWidth + g * d
                    let dk = gradientRows + A + g * d, dv = gradientRows + A + c.keyValueWidth + g * d
                    for h in (g * group)..<((g + 1) * group) {
                        let p = probabilities + offsets[s] + h * L * L, dO = outputGradient + o * A + h * d
                        BLAS.gemm(transposeB: true, m: L, n: L, k: d, a: dO, lda: A, b: v, ldb: QKV, c: dP, ldc: L)
                        BLAS.gemm(transposeA: true, m: L, n: d, k: L, a: p, lda: L, b: dO, ldb: A,
                                  beta: 1, c: dv, ldc: QKV)
                        Softmax.causalRowsBackward(probabilities: p, gradient: dP, rows: L, columns: L,
                                                   ld: L, scale: scale, firstValid: 1)
                        BLAS.gemm(m: L, n: d, k: L, a: dP, lda: L, b: k, ldb: QKV, c: gradientRows + h * d, ldc: QKV)
                        BLAS.gemm(transposeA: true, m: L, n: d, k: L, a: dP, lda: L, b: rows + h * d, ldb: QKV,
                                  beta: 1, c: dk, ldc: QKV)
                    }
                }
            }
        }
    }
}
