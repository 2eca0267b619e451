/// Where the nucleus ends: token i with weight wᵢ is a member iff wᵢ > weight, or
/// wᵢ == weight and i <= lastTiedIndex (ties go to the lower id first).
struct NucleusBoundary {
    var weight: Float
    var lastTiedIndex: Int

    /// Every token with positive weight.
    static let everything = NucleusBoundary(weight: 0, lastTiedIndex: -1)

    /// Every token with weight >= threshold.
    static func atLeast(_ threshold: Float) -> NucleusBoundary {
        NucleusBoundary(weight: threshold, lastTiedIndex: Int.max)
    }

    func contains(weight w: Float, index i: Int) -> Bool {
        w > weight || (w == weight && i <= lastTiedIndex)
    }
}

/// Mass and count of the weights >= a threshold.
struct ThresholdScan {
    var mass: Double
    var count: Int
}

/// A weight band [low, high) holding the nucleus edge, with target = p · Σw: the
/// tokens with w >= high hold `above.mass` < target, those with w >= low hold
/// `atLow.mass` >= target. The nucleus is every token >= high plus a prefix (weight
/// descending, then id ascending) of the band.
struct NucleusBracket {
    var low: Float
    var high: Float
    var atLow: ThresholdScan
    var above: ThresholdScan

    var bandCount: Int { atLow.count - above.count }
}

/// Finding the nucleus without sorting the vocabulary; every step below is one SIMD pass
/// over the V weights (about 2–3 µs at V = 49152).
///
/// 1. Mass at w >= 1/8, enough on its own for peaked rows; if it falls short, mass at
///    (1 − p) · Σw / V, which always suffices: the V tokens below it hold less than
///    (1 − p) · Σw.
/// 2. Bisection of the band on the float bit pattern (halving log w) until it holds
///    <= 256 tokens or one weight value. If a step leaves the band's count unchanged,
///    one pass snaps it to [smallest weight >= low, just above the largest weight < high],
///    which ends runs of tied weights at once.
/// 3. The band's keys are collected, sorted (weight descending, id ascending) and added
///    onto the mass above the band until the target is met.
/// Peaked rows take 1–3 passes; flat ones (thousands of tokens in the nucleus) 8–10.
extension SamplerScratch {
    /// Band size at which the search sorts the band instead of bisecting it.
    static let largestSortedBand = 256

    /// The nucleus of mass `topP` (< 1) and its mass; `total` = Σw over `count` tokens.
    mutating func nucleusBoundary(topP: Double, total: Double, count: Int)
        -> (boundary: NucleusBoundary, mass: Double)
    {
        let target = topP * total
        let sufficient = Float((1 - topP) * total / Double(count))
        let first = max(0.125, sufficient)
        var bracket = NucleusBracket(
            low: first, high: 2, atLow: scan(threshold: first, count: count),
            above: ThresholdScan(mass: 0, count: 0))
        if bracket.atLow.mass < target && first > sufficient {
            bracket = NucleusBracket(
                low: sufficient, high: first, atLow: scan(threshold: sufficient, count: count),
                above: bracket.atLow)
        }
        narrow(&bracket, target: target, count: count)
        collectKeys(from: bracket.low, below: bracket.high, count: count)
        candidateKeys.sort(by: >)
        var mass = bracket.above.mass
        for key in candidateKeys {
            let (weight, index) = Self.weightAndIndex(ofKey: key)
            mass += Double(weight)
            if mass >= target {
                return (NucleusBoundary(weight: weight, lastTiedIndex: index), mass)
            }
        }
        return (.atLeast(bracket.low), mass)
    }

    /// Bisects `bracket` until its band holds <= `largestSortedBand` tokens or one
    /// weight value.
    private mutating func narrow(_ bracket: inout NucleusBracket, target: Double, count: Int) {
        var tightened = false
        while bracket.bandCount > Self.largestSortedBand && bracket.low.nextUp < bracket.high {
            let (lowBits, highBits) = (bracket.low.bitPattern, bracket.high.bitPattern)
            let middle = Float(bitPattern: lowBits + (highBits - lowBits) / 2)
            let atMiddle = scan(threshold: middle, count: count)
            let previousCount = bracket.bandCount
            if atMiddle.mass >= target {
                (bracket.low, bracket.atLow) = (middle, atMiddle)
            } else {
                (bracket.high, bracket.above) = (middle, atMiddle)
            }
            if bracket.bandCount == previousCount && !tightened {
                (bracket.low, bracket.high) = tighten(
                    low: bracket.low, high: bracket.high, count: count)
                tightened = true
            }
        }
    }

    /// Mass and count of `weights[0 ..< count]` >= threshold. Four partial sums keep
    /// the adds off one dependency chain; each 512-token block is summed into a Double.
    private func scan(threshold: Float, count: Int) -> ThresholdScan {
        weights.withUnsafeBufferPointer { buffer in
            let weights = buffer.baseAddress!
            let zero = SIMD8<Float>(repeating: 0)
            let (noInt, one) = (SIMD8<Int32>(repeating: 0), SIMD8<Int32>(repeating: 1))
            var result = ThresholdScan(mass: 0, count: 0)
            var (counts0, counts1) = (noInt, noInt)
            let vectorEnd = count - count % 8
            var i = 0
            while i < vectorEnd {
                let blockEnd = min(i + 512, vectorEnd)
                var (sum0, sum1, sum2, sum3) = (zero, zero, zero, zero)
                while i + 32 <= blockEnd {
                    let (v0, v1) = (FastMath.load(weights + i), FastMath.load(weights + i + 8))
                    let (v2, v3) = (
                        FastMath.load(weights + i + 16), FastMath.load(weights + i + 24)
                    )
                    let (in0, in1, in2, in3) = (
                        v0 .>= threshold, v1 .>= threshold, v2 .>= threshold, v3 .>= threshold
                    )
                    sum0 += zero.replacing(with: v0, where: in0)
                    sum1 += zero.replacing(with: v1, where: in1)
                    sum2 += zero.replacing(with: v2, where: in2)
                    sum3 += zero.replacing(with: v3, where: in3)
                    counts0 &+= noInt.replacing(with: one, where: in0)
                    counts1 &+= noInt.replacing(with: one, where: in1)
                    counts0 &+= noInt.replacing(with: one, where: in2)
                    counts1 &+= noInt.replacing(with: one, where: in3)
                    i &+= 32
                }
                while i < blockEnd {
                    let v = FastMath.load(weights + i)
                    sum0 += zero.replacing(with: v, where: v .>= threshold)
                    counts0 &+= noInt.replacing(with: one, where: v .>= threshold)
                    i &+= 8
                }
                result.mass += Double(((sum0 + sum1) + (sum2 + sum3)).sum())
            }
            result.count = Int((counts0 &+ counts1).wrappedSum())
            for w in UnsafeBufferPointer(start: weights + i, count: count - i) where w >= threshold
            {
                result.mass += Double(w)
                result.count += 1
            }
            return result
        }
    }

    /// [smallest weight >= low, (largest weight < high).nextUp]: the same tokens as
    /// [low, high), in the narrowest band.
    private func tighten(low: Float, high: Float, count: Int) -> (low: Float, high: Float) {
        weights.withUnsafeBufferPointer { buffer in
            let weights = buffer.baseAddress!
            var smallest = SIMD8<Float>(repeating: .infinity)
            var largest = SIMD8<Float>(repeating: -.infinity)
            var i = 0
            while i + 8 <= count {
                let v = FastMath.load(weights + i)
                smallest.replace(with: v, where: (v .>= low) .& (v .< smallest))
                largest.replace(with: v, where: (v .< high) .& (v .> largest))
                i += 8
            }
            var (lowest, highest) = (smallest.min(), largest.max())
            for w in UnsafeBufferPointer(start: weights + i, count: count - i) {
                if w >= low && w < lowest {
                    lowest = w
                }
                if w < high && w > highest {
                    highest = w
                }
            }
            return lowest <= highest ? (lowest, highest.nextUp) : (low, high)
        }
    }

    /// Fills `candidateKeys` with the keys of the tokens with low <= w < high, testing
    /// 16 weights at a time with SIMD before looking at single ones.
    private mutating func collectKeys(from low: Float, below high: Float, count: Int) {
        candidateKeys.removeAll(keepingCapacity: true)
        weights.withUnsafeBufferPointer { buffer in
            let weights = buffer.baseAddress!
            var i = 0
            while i + 16 <= count {
                let (v0, v1) = (FastMath.load(weights + i), FastMath.load(weights + i + 8))
                if any(((v0 .>= low) .& (v0 .< high)) .| ((v1 .>= low) .& (v1 .< high))) {
                    for j in i..<i + 16 where weights[j] >= low && weights[j] < high {
                        candidateKeys.append(Self.key(weight: weights[j], index: j))
                    }
                }
                i &+= 16
            }
            for j in i..<count where weights[j] >= low && weights[j] < high {
                candidateKeys.append(Self.key(weight: weights[j], index: j))
            }
        }
    }

    /// Sort key ordering tokens by weight descending, then id ascending, under `>`:
    /// high 32 bits = bits of the (non-negative) weight, low 32 bits = UInt32.max − id.
    private static func key(weight: Float, index: Int) -> UInt64 {
        UInt64(weight.bitPattern) << 32 | UInt64(UInt32.max - UInt32(index))
    }

    private static func weightAndIndex(ofKey key: UInt64) -> (weight: Float, index: Int) {
        let weight = Float(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
        return (weight, Int(UInt32.max - UInt32(truncatingIfNeeded: key)))
    }
}
