/// Vectorised loops over contiguous float rows (SIMD8 with a scalar tail).
///
/// Swift does not vectorise plain float loops (no fast-math), so every hot elementwise loop
/// of the engine goes through these; `Tests/SPOModelTests/Support/NaiveKernels.swift` holds
/// the scalar references they are tested against.
public enum Vector {
    public typealias V8 = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }
    @inline(__always) static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = V8(), s1 = V8(), i = 0
        while i + 16 <= n {
            s0.addProduct(load(a + i), load(b + i))
            s1.addProduct(load(a + i + 8), load(b + i + 8))
            i += 16
        }
        if i + 8 <= n { s0.addProduct(load(a + i), load(b + i)); i += 8 }
        var s = (s0 + s1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ a[i]².
    @inline(__always)
    public static func sumOfSquares(_ a: UnsafePointer<Float>, _ n: Int) -> Float { dot(a, a, n) }

    /// Σ a[i]·b[i]·c[i].
    @inline(__always)
    public static func tripleDot(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ n: Int
    ) -> Float {
        var s0 = V8(), i = 0
        while i + 8 <= n { s0.addProduct(load(a + i) * load(b + i), load(c + i)); i += 8 }
        var s = s0.sum()
        while i < n { s += a[i] * b[i] * c[i]; i += 1 }
        return s
    }

    /// y[i] = a[i]·b[i]·s.
    @inline(__always)
    public static func scaledProduct(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ s: Float,
        into y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 8 <= n { store(load(a + i) * load(b + i) * s, y + i); i += 8 }
        while i < n { y[i] = a[i] * b[i] * s; i += 1 }
    }

    /// y[i] += a[i]·b[i]·s.
    @inline(__always)
    public static func addScaledProduct(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ s: Float,
        into y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 8 <= n { store(load(y + i) + load(a + i) * load(b + i) * s, y + i); i += 8 }
        while i < n { y[i] += a[i] * b[i] * s; i += 1 }
    }

    /// y[i] += x[i].
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n { store(load(y + i) + load(x + i), y + i); i += 8 }
        while i < n { y[i] += x[i]; i += 1 }
    }

    /// y[i] += alpha·x[i].
    @inline(__always)
    public static func addScaled(
        _ x: UnsafePointer<Float>, _ alpha: Float, into y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 8 <= n { store(load(y + i) + load(x + i) * alpha, y + i); i += 8 }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// y[i] = alpha·y[i].
    @inline(__always)
    public static func scale(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ n: Int) {
        var i = 0
        while i + 8 <= n { store(load(y + i) * alpha, y + i); i += 8 }
        while i < n { y[i] *= alpha; i += 1 }
    }

    /// max_i a[i] (−∞ for n = 0); the vocabulary-wide kernel lives in `FastMath.maximum`.
    @inline(__always)
    public static func maximum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        n > 0 ? FastMath.maximum(a, count: n) : -.infinity
    }

    /// The RMSNorm input gradient: dx[i] (+)= r·dy[i]·w[i] − c·x[i].
    @inline(__always)
    static func rmsNormInputGradient(
        _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        _ r: Float, _ c: Float, into dx: UnsafeMutablePointer<Float>, _ n: Int, accumulate: Bool
    ) {
        var i = 0
        if accumulate {
            while i + 8 <= n {
                store(load(dx + i) + load(dy + i) * load(w + i) * r - load(x + i) * c, dx + i); i += 8
            }
            while i < n { dx[i] += r * dy[i] * w[i] - c * x[i]; i += 1 }
        } else {
            while i + 8 <= n { store(load(dy + i) * load(w + i) * r - load(x + i) * c, dx + i); i += 8 }
            while i < n { dx[i] = r * dy[i] * w[i] - c * x[i]; i += 1 }
        }
    }
}
