/// Vectorised `exp` and the reductions the sampler runs over a row of `V` logits.
///
/// `exp(x)` for 8 lanes at once (Cody & Waite range reduction plus a polynomial):
///
///     n = round(x · log2 e)              via (x · log2 e + 1.5·2²³) − 1.5·2²³
///     r = x − n · ln 2                   ln 2 split into ln2Hi + ln2Lo, |r| <= ln2 / 2
///     eʳ ≈ 1 + c₁r + … + c₅r⁵             minimax for relative error (4.3e-7) on
///                                        [−ln2/2, ln2/2], fitted for this file by Remez
///                                        iteration; c₀ = 1 keeps exp(0) = 1 exactly
///     2ⁿ                                 exponent bits (n + 127) << 23
///
/// Relative error < 1e-6 for x in [ln Float.leastNormalMagnitude, ln Float.max]
/// (about [-87.34, 88.72]); below that the result is 0 (no subnormals, which are slow on
/// x86), above it +inf, and NaN stays NaN. `exp` splits 2ⁿ into 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so
/// that n = 128 stays finite; `expOfNonPositive`, for the sampler's exponents <= 0,
/// skips that and the upper clamp.
///
/// Written with `replacing(with:where:)`, integer bit tricks and `unsafeBitCast` because
/// `rounded()`, `pointwiseMin/Max` and SIMD float-to-int conversions are not inlined.
public enum FastMath {
    /// `exp` of each lane; see the type's documentation for the method and error.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let lowest: Float = -87.33654  // just above ln(Float.leastNormalMagnitude)
        let highest: Float = 88.8  // above ln(Float.greatestFiniteMagnitude): gives +inf
        var clamped = x.replacing(with: lowest, where: x .< lowest)
        clamped.replace(with: highest, where: clamped .> highest)
        let (shifted, polynomial) = reduce(clamped)
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let half = exponent &>> 1
        let scaleLow = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let scaleHigh = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
        return (polynomial * scaleLow * scaleHigh).replacing(with: 0, where: x .< lowest)
    }

    /// `exp` of each lane for x <= 88.37 (so n <= 127), one scaling cheaper than `exp`;
    /// larger x give wrong results. Same error as `exp`.
    @inlinable @inline(__always)
    public static func expOfNonPositive(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let lowest: Float = -87.33654  // just above ln(Float.leastNormalMagnitude)
        let (shifted, polynomial) = reduce(x.replacing(with: lowest, where: x .< lowest))
        let biased = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- (0x4B40_0000 - 127)
        let scale = unsafeBitCast(biased &<< 23, to: SIMD8<Float>.self)
        return (polynomial * scale).replacing(with: 0, where: x .< lowest)
    }

    /// Range reduction and polynomial: `shifted` = x · log2 e + 1.5·2²³, whose low
    /// mantissa bits hold n, and eʳ.
    @inlinable @inline(__always)
    static func reduce(_ x: SIMD8<Float>) -> (shifted: SIMD8<Float>, polynomial: SIMD8<Float>) {
        let magic: Float = 12_582_912  // 1.5 · 2²³; adding it rounds to an integer
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x.addingProduct(n, -0.693_145_751_953_125)
        r = r.addingProduct(n, -1.428_606_765_330_187_045e-6)
        var p = SIMD8<Float>(repeating: 6.953_137_5e-3)
        p = SIMD8<Float>(repeating: 4.187_527_3e-2).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 0.166_876_58).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 0.499_993_74).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 0.999_993_74).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 1).addingProduct(p, r)
        return (shifted, p)
    }

    /// `exp` of one value, through the 8-lane kernel (for tails and tests).
    @inlinable
    public static func exp(_ x: Float) -> Float {
        exp(SIMD8<Float>(repeating: x))[0]
    }

    /// `values[i] = exp(values[i])` for `i` in `0 ..< count`.
    public static func expInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            store(exp(load(values + i)), to: values + i)
            i += 8
        }
        if i < count {
            let tail = exp(loadTail(values + i, count: count - i, padding: 0))
            for lane in 0..<count - i {
                values[i + lane] = tail[lane]
            }
        }
    }

    /// `Σ_i exp((values[i] − shift) · scale)` over `i` in `0 ..< count`, in Float with
    /// 8 partial sums, one per lane (relative rounding error about 1e-6 at count = 49152).
    public static func sumExp(
        _ values: UnsafePointer<Float>, count: Int, subtracting shift: Float, scaledBy scale: Float
    ) -> Float {
        var sum = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            sum += exp((load(values + i) - shift) * scale)
            i += 8
        }
        if i < count {
            sum += exp(
                (loadTail(values + i, count: count - i, padding: -.infinity) - shift) * scale)
        }
        return sum.sum()
    }

    /// Largest of `values[0 ..< count]` (count >= 1); NaN entries are ignored.
    public static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count >= 1, "FastMath.maximum: count is \(count); it must be >= 1")
        let lowest = SIMD8<Float>(repeating: -.infinity)
        var (max0, max1, max2, max3) = (lowest, lowest, lowest, lowest)
        var i = 0
        while i + 32 <= count {
            let (v0, v1) = (load(values + i), load(values + i + 8))
            let (v2, v3) = (load(values + i + 16), load(values + i + 24))
            max0.replace(with: v0, where: v0 .> max0)
            max1.replace(with: v1, where: v1 .> max1)
            max2.replace(with: v2, where: v2 .> max2)
            max3.replace(with: v3, where: v3 .> max3)
            i += 32
        }
        while i + 8 <= count {
            let v = load(values + i)
            max0.replace(with: v, where: v .> max0)
            i += 8
        }
        if i < count {
            let v = loadTail(values + i, count: count - i, padding: -.infinity)
            max1.replace(with: v, where: v .> max1)
        }
        max0.replace(with: max1, where: max1 .> max0)
        max2.replace(with: max3, where: max3 .> max2)
        max0.replace(with: max2, where: max2 .> max0)
        return max0.max()
    }

    /// Lowest `i` with `values[i] == target`, or nil.
    public static func firstIndex(of target: Float, in values: UnsafePointer<Float>, count: Int)
        -> Int?
    {
        var i = 0
        while i + 8 <= count {
            if any(load(values + i) .== target) {
                break
            }
            i += 8
        }
        while i < count {
            if values[i] == target {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Eight floats from `pointer`, which need not be aligned.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores eight floats at `pointer`, which need not be aligned.
    @inline(__always)
    static func store(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// `count` (< 8) floats from `pointer`, the other lanes set to `padding`.
    @inline(__always)
    static func loadTail(_ pointer: UnsafePointer<Float>, count: Int, padding: Float)
        -> SIMD8<Float>
    {
        var value = SIMD8<Float>(repeating: padding)
        for lane in 0..<count {
            value[lane] = pointer[lane]
        }
        return value
    }
}
