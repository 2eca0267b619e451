/// Clipping of the gradient vector by its global L2 norm (Pascanu et al., "On the
/// difficulty of training recurrent neural networks", ICML 2013), as in PyTorch's
/// `clip_grad_norm_`: one norm over all N gradient floats of the model.
public enum GradientClipping {
    /// ‖g‖₂ = sqrt(Σ g_i²) over N = `count` floats.
    ///
    /// Squares are summed in four SIMD8<Float> accumulators over blocks of 512 elements
    /// (16 terms per lane), each block total is added to Double lanes, and the tail is
    /// summed in Double, so the rounding error stays near Double's for N ≈ 10⁸.
    /// NaN or infinity in `g` gives a non-finite norm.
    public static func globalNorm(_ g: UnsafePointer<Float>, count: Int) -> Float {
        let blockSize = 512
        let raw = UnsafeRawPointer(g)
        var total = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + blockSize <= count {
            var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            var j = i
            while j < i + blockSize {
                let x0 = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
                let x1 = raw.loadUnaligned(fromByteOffset: 4 * (j + 8), as: SIMD8<Float>.self)
                let x2 = raw.loadUnaligned(fromByteOffset: 4 * (j + 16), as: SIMD8<Float>.self)
                let x3 = raw.loadUnaligned(fromByteOffset: 4 * (j + 24), as: SIMD8<Float>.self)
                a0.addProduct(x0, x0)
                a1.addProduct(x1, x1)
                a2.addProduct(x2, x2)
                a3.addProduct(x3, x3)
                j += 32
            }
            let block = (a0 + a1) + (a2 + a3)
            total += SIMD4<Double>(block.lowHalf) + SIMD4<Double>(block.highHalf)
            i += blockSize
        }
        var sum = total.sum()
        while i < count {
            sum += Double(g[i]) * Double(g[i])
            i += 1
        }
        return Float(sum.squareRoot())
    }

    /// Scales `g` (N = `count` floats) in place by maxNorm / (‖g‖₂ + 1e-6) when
    /// ‖g‖₂ > `maxNorm`, and returns the pre-clip norm ‖g‖₂. A non-finite norm leaves
    /// `g` unchanged and is returned so the caller can skip the step.
    @discardableResult
    public static func clip(_ g: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Float {
        let norm = globalNorm(g, count: count)
        guard norm.isFinite, norm > maxNorm else { return norm }
        let scale = maxNorm / (norm + 1e-6)
        for k in 0..<count { g[k] *= scale }
        return norm
    }
}
