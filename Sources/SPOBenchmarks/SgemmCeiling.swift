import SPOModel

/// The machine's matrix-multiply ceiling: OpenBLAS sgemm GFLOP/s on square matrices, the
/// denominator of every model-FLOP utilisation figure.
public enum SgemmCeiling {
    /// Best-of-`repeats` GFLOP/s of C = A·B for n×n float matrices (2n³ FLOPs).
    public static func measure(size n: Int = 2048, repeats: Int = 5) -> Double {
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        for i in 0..<(n * n) {
            a.pointer[i] = Float(i % 7) * 0.1
            b.pointer[i] = Float(i % 5) * 0.1
        }
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            let t = Stopwatch.time {
                BLAS.gemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            }
            best = min(best, t)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
