import COpenBLAS

/// Row-major matrix products through OpenBLAS `cblas_sgemm`, the only place the engine
/// multiplies matrices.
///
/// Shapes are given as (rows × columns) of the matrices as stored, row-major; `lda`, `ldb`
/// and `ldc` are the row strides in floats (so a head's slice of a wider matrix is a
/// pointer offset plus the full row stride).
public enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, where op(A) is m×k and op(B) is k×n.
    ///
    /// - Parameters:
    ///   - transposeA: A is stored k×m and used transposed.
    ///   - transposeB: B is stored n×k and used transposed (the `y = x Wᵀ` of a linear layer).
    @inline(__always)
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 {
                for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
            }
            return
        }
        if transposeB && !transposeA && alpha == 1 && m > 1 && m <= SmallBatchProduct.maximumRows {
            SmallBatchProduct.multiply(m: m, n: n, k: k, x: a, ldx: lda, w: b, ldw: ldb, beta: beta, y: c, ldy: ldc)
            return
        }
        if m == 1 && !transposeA {
            // A single row (decode at batch 1): sgemv reads the matrix once, where sgemm
            // would first copy it into packed panels.
            if transposeB {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, 1, beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, 1, beta, c, 1)
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs `body` with OpenBLAS single-threaded, so that the caller can run many small
    /// independent products in parallel on its own threads (one per core) instead of
    /// splitting each small product across cores.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        let previous = threadCount
        if previous == 1 { return try body() }
        threadCount = 1
        defer { threadCount = previous }
        return try body()
    }

    /// The number of threads OpenBLAS uses for each product in this process.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
