/// y = x · Wᵀ for a handful of rows x, reading W once: the decode-step product.
///
/// Shapes: x [m, k] (row stride ldx), W [n, k] (row stride ldw), y [m, n] (row stride ldy);
/// y[i, j] = β·y[i, j] + Σ_t x[i, t]·W[j, t]. OpenBLAS sgemm first copies W into packed
/// panels, which for m ≤ 8 costs more than the arithmetic (decode at batch 8 ran at half
/// PyTorch's speed); here each row of W is streamed once and multiplied against up to four
/// rows of x held in registers, with the output columns split across cores.
enum SmallBatchProduct {
    /// Largest m handled here; larger products go to sgemm.
    static let maximumRows = 8

    static func multiply(
        m: Int, n: Int, k: Int, x: UnsafePointer<Float>, ldx: Int,
        w: UnsafePointer<Float>, ldw: Int, beta: Float, y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        Parallel.forEachChunk(n, minimumPerChunk: 64) { columns in
            for j in columns {
                let row = w + j * ldw
                var i = 0
                while i + 4 <= m {
                    let x0 = x + i * ldx, x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx
                    var a0 = Vector.V8(), a1 = Vector.V8(), a2 = Vector.V8(), a3 = Vector.V8(), t = 0
                    while t + 8 <= k {
                        let wv = Vector.load(row + t)
                        a0.addProduct(Vector.load(x0 + t), wv)
                        a1.addProduct(Vector.load(x1 + t), wv)
                        a2.addProduct(Vector.load(x2 + t), wv)
                        a3.addProduct(Vector.load(x3 + t), wv)
                        t += 8
                    }
                    var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
                    while t < k {
                        s0 += x0[t] * row[t]; s1 += x1[t] * row[t]; s2 += x2[t] * row[t]; s3 += x3[t] * row[t]
                        t += 1
                    }
                    store(s0, i, j); store(s1, i + 1, j); store(s2, i + 2, j); store(s3, i + 3, j)
                    i += 4
                }
                while i < m {
                    store(Vector.dot(x + i * ldx, row, k), i, j)
                    i += 1
                }
            }
        }

        @inline(__always) func store(_ value: Float, _ i: Int, _ j: Int) {
            let p = y + i * ldy + j
            p.pointee = beta == 0 ? value : beta * p.pointee + value
        }
    }
}
