/// RMSNorm (Zhang & Sennrich 2019), as in Llama: y = x · r · w with r = 1/√(mean(x²) + ε).
///
/// Shapes: x, y [N, D]; w [D]; rstd [N] (the r of each row, kept for the backward pass).
public enum RMSNorm {
    /// Forward over `rows` rows of width `width`; writes y and the per-row r.
    public static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float,
        y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>?,
        rows: Int, width: Int
    ) {
        Parallel.forEachChunk(rows, minimumPerChunk: 64) { range in
            for row in range {
                let xr = x + row * width, yr = y + row * width
                let r = 1 / (Vector.sumOfSquares(xr, width) / Float(width) + epsilon).squareRoot()
                rstd?[row] = r
                Vector.scaledProduct(xr, weight, r, into: yr, width)
            }
        }
    }

    /// Backward: dx (+)= r·(dy⊙w) − x · r³/D · Σ(dy⊙w⊙x); dw += Σ_rows dy ⊙ x · r.
    ///
    /// - Parameter accumulate: add into `dx` instead of overwriting it (residual streams).
    public static func backward(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, rows: Int, width: Int, accumulate: Bool
    ) {
        // dw is a reduction over rows: each worker sums into its own slot, then we add them up.
        let workers = Parallel.chunkCount(rows, minimumPerChunk: 64)
        let partial = FloatBuffer(count: workers * width)
        let pp = partial.pointer
        Parallel.forEachChunkIndexed(rows, minimumPerChunk: 64) { slot, range in
            let dwp = pp + slot * width
            for row in range {
                let xr = x + row * width, dyr = dy + row * width, dxr = dx + row * width
                let r = rstd[row]
                let dot = Vector.tripleDot(dyr, weight, xr, width)
                let c = r * r * r * dot / Float(width)
                Vector.rmsNormInputGradient(dyr, weight, xr, r, c, into: dxr, width, accumulate: accumulate)
                Vector.addScaledProduct(dyr, xr, r, into: dwp, width)
            }
        }
        for slot in 0..<workers { Vector.add(pp + slot * width, into: dWeight, width) }
    }
}
