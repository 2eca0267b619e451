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

/// What one pass over the weights learns about a threshold t.
struct ThresholdScan {
    /// Σ of the weights >= t.
    var mass: Double
    /// Number of weights >= t.
    var count: Int
    /// Smallest weight >= t (+inf if none): raising t to it keeps the same tokens.
    var smallestAtLeast: Float
    /// Largest weight < t (−inf if none).
    var largestBelow: Float
}

/// Finding the nucleus without sorting the vocabulary.
///
/// Invariant of the search, with target = p · Σw: the tokens with w >= high hold mass
/// < target and the tokens with w >= low hold mass >= target, so the nucleus is every
/// token >= high plus a prefix (by weight descending, then id ascending) of the band
/// [low, high). Each step is one SIMD pass over the V weights (`scan(threshold:)`):
/// 1. Steps of 8×: low = 1/8, 1/64, … until the mass is reached, or until low drops to
///    (1 − p) · Σw / V, which always suffices (the tokens below it hold < (1 − p) · Σw).
/// 2. Bisection of [low, high) on the float bit pattern until the band holds <= 256
///    tokens or a single weight value; each step also snaps low up to the smallest weight
///    >= low and high down to just above the largest weight < high.
/// 3. The band's tokens are collected, sorted by (weight desc, id asc) and accumulated
///    until the target is met.
/// Typical cost at V = 49152: a few passes of about 1–3 µs and a sort of <= 256 keys.
extension SamplerScratch {
    /// Largest band that is sorted rather than bisected further.
    static let largestSortedBand = 256

    /// The nucleus of mass `topP` (< 1) and its mass; `total` = Σw over `count` tokens.
    mutating func nucleusBoundary(topP: Double, total: Double, count: Int)
        -> (boundary: NucleusBoundary, mass: Double)
    {
        let target = topP * total
        let sufficient = Float((1 - topP) * total / Double(count))
        var high: Float = 2
        var above = ThresholdScan(mass: 0, count: 0, smallestAtLeast: .infinity, largestBelow: 1)
        var low: Float = 0.125
        var atLow: ThresholdScan
        while true {
            low = max(low, sufficient)
            atLow = scan(threshold: low, count: count)
            if atLow.mass >= target || low == sufficient {
                break
            }
            high = atLow.largestBelow.nextUp
            above = atLow
            low = min(low * 0.125, atLow.largestBelow)
        }
        low = atLow.smallestAtLeast
        while atLow.count - above.count > Self.largestSortedBand && low.nextUp < high {
            let middle = Float(bitPattern: low.bitPattern + (high.bitPattern - low.bitPattern) / 2)
            let atMiddle = scan(threshold: middle, count: count)
            if atMiddle.mass >= target {
                low = atMiddle.smallestAtLeast
                atLow = atMiddle
            } else {
                high = atMiddle.largestBelow.nextUp
                above = atMiddle
            }
        }
        collectBand(from: low, below: high, count: count)
        candidateKeys.sort(by: >)
        var mass = above.mass
        for key in candidateKeys {
            let (weight, index) = Self.weightAndIndex(ofKey: key)
            mass += Double(weight)
            if mass >= target {
                return (NucleusBoundary(weight: weight, lastTiedIndex: index), mass)
            }
        }
        return (.atLeast(low), mass)
    }

    /// Mass, count, and nearest weights on either side of `threshold`, in one SIMD pass.
    private func scan(threshold: Float, count: Int) -> ThresholdScan {
        weights.withUnsafeBufferPointer { buffer in
            let weights = buffer.baseAddress!
            let zero = SIMD8<Float>(repeating: 0)
            let one = SIMD8<Int32>(repeating: 1)
            var mass = 0.0
            var counts = SIMD8<Int32>(repeating: 0)
            var smallest = SIMD8<Float>(repeating: .infinity)
            var largest = SIMD8<Float>(repeating: -.infinity)
            var i = 0
            while i + 8 <= count {
                let blockEnd = min(i + 256, count - count % 8)
                var (sum0, sum1) = (zero, zero)
                while i + 16 <= blockEnd {
                    let (v0, v1) = (FastMath.load(weights + i), FastMath.load(weights + i + 8))
                    let (in0, in1) = (v0 .>= threshold, v1 .>= threshold)
                    sum0 += zero.replacing(with: v0, where: in0)
                    sum1 += zero.replacing(with: v1, where: in1)
                    counts &+= SIMD8<Int32>(repeating: 0).replacing(with: one, where: in0)
                    counts &+= SIMD8<Int32>(repeating: 0).replacing(with: one, where: in1)
                    smallest.replace(with: v0, where: in0 .& (v0 .< smallest))
                    smallest.replace(with: v1, where: in1 .& (v1 .< smallest))
                    largest.replace(with: v0, where: .!in0 .& (v0 .> largest))
                    largest.replace(with: v1, where: .!in1 .& (v1 .> largest))
                    i += 16
                }
                if i < blockEnd {
                    let v = FastMath.load(weights + i)
                    let isIn = v .>= threshold
                    sum0 += zero.replacing(with: v, where: isIn)
                    counts &+= SIMD8<Int32>(repeating: 0).replacing(with: one, where: isIn)
                    smallest.replace(with: v, where: isIn .& (v .< smallest))
                    largest.replace(with: v, where: .!isIn .& (v .> largest))
                    i += 8
                }
                mass += Double((sum0 + sum1).sum())
            }
            var result = ThresholdScan(
                mass: mass, count: Int(counts.wrappedSum()), smallestAtLeast: smallest.min(),
                largestBelow: largest.max())
            while i < count {
                let w = weights[i]
                if w >= threshold {
                    result.mass += Double(w)
                    result.count += 1
                    result.smallestAtLeast = min(result.smallestAtLeast, w)
                } else {
                    result.largestBelow = max(result.largestBelow, w)
                }
                i += 1
            }
            return result
        }
    }

    /// Fills `candidateKeys` with the keys of the tokens with low <= w < high.
    private mutating func collectBand(from low: Float, below high: Float, count: Int) {
        candidateKeys.removeAll(keepingCapacity: true)
        weights.withUnsafeBufferPointer { buffer in
            let weights = buffer.baseAddress!
            var i = 0
            while i + 8 <= count {
                let v = FastMath.load(weights + i)
                if any((v .>= low) .& (v .< high)) {
                    for j in i ..< i + 8 where weights[j] >= low && weights[j] < high {
                        candidateKeys.append(Self.key(weight: weights[j], index: j))
                    }
                }
                i += 8
            }
            for j in i ..< count where weights[j] >= low && weights[j] < high {
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
