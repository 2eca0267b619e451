/// The two halves of a decoder layer around attention, shared by the training forward and
/// the inference engine (which differ only in how attention reads keys and values).
extension LlamaModel {
    /// xn = RMSNorm(x) [N, D];  qkv = xn · Wqkvᵀ [N, (H+2Hkv)·d];  rotary on the q and k heads.
    func attentionInput(
        _ layer: LlamaLayout.Layer, x: UnsafePointer<Float>, rows N: Int,
        positions: UnsafePointer<Int32>, normalized xn: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>?, qkv: UnsafeMutablePointer<Float>
    ) {
        let c = config, D = c.hiddenSize, QKV = c.qkvWidth, W = parameters.pointer
        RMSNorm.forward(x: x, weight: W + layer.inputNorm, epsilon: c.rmsNormEpsilon,
                        y: xn, rstd: rstd, rows: N, width: D)
        BLAS.gemm(transposeB: true, m: N, n: QKV, k: D, a: xn, lda: D, b: W + layer.qkv, ldb: D,
                  c: qkv, ldc: QKV)
        rotary.apply(qkv, rows: N, stride: QKV, heads: c.headCount, positions: positions)
        rotary.apply(qkv + c.attentionWidth, rows: N, stride: QKV, heads: c.keyValueHeadCount,
                     positions: positions)
    }

    /// x_mid = x + attention · Woᵀ;  xn2 = RMSNorm(x_mid);  gu = xn2 · Wguᵀ [N, 2I];
    /// h = swiglu(gu) [N, I];  output = x_mid + h · Wdownᵀ.
    func attentionOutputAndMLP(
        _ layer: LlamaLayout.Layer, x: UnsafePointer<Float>, attention: UnsafePointer<Float>,
        rows N: Int, middle xMid: UnsafeMutablePointer<Float>,
        normalized xn2: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>?,
        gateUp: UnsafeMutablePointer<Float>, activation h: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let c = config, D = c.hiddenSize, I = c.intermediateSize, A = c.attentionWidth
        let W = parameters.pointer
        xMid.update(from: x, count: N * D)
        BLAS.gemm(transposeB: true, m: N, n: D, k: A, a: attention, lda: A, b: W + layer.output, ldb: A,
                  beta: 1, c: xMid, ldc: D)
        RMSNorm.forward(x: xMid, weight: W + layer.postAttentionNorm, epsilon: c.rmsNormEpsilon,
                        y: xn2, rstd: rstd, rows: N, width: D)
        BLAS.gemm(transposeB: true, m: N, n: 2 * I, k: D, a: xn2, lda: D, b: W + layer.gateUp, ldb: D,
                  c: gateUp, ldc: 2 * I)
        SwiGLU.forward(gateUp: gateUp, output: h, rows: N, width: I)
        output.update(from: xMid, count: N * D)
        BLAS.gemm(transposeB: true, m: N, n: D, k: I, a: h, lda: I, b: W + layer.down, ldb: I,
                  beta: 1, c: output, ldc: D)
    }
}
