/// The passes behind `Sampler.sample` for T > 0: weights, then an inverse-CDF draw in
/// token-id order, over all tokens or over the nucleus.
extension SamplerScratch {
    /// Fills `weights[0 ..< count]` with wᵢ = exp((logitᵢ − maximum) · inverseTemperature)
    /// and `chunkSums` with their per-chunk sums; returns Σᵢ wᵢ (>= 1, as the top w is 1).
    mutating func computeWeights(
        logits: UnsafePointer<Float>, count: Int, maximum: Float, inverseTemperature: Float
    ) -> Double {
        let chunkSize = Sampler.chunkSize
        return weights.withUnsafeMutableBufferPointer { weightBuffer in
            chunkSums.withUnsafeMutableBufferPointer { chunkBuffer in
                let weights = weightBuffer.baseAddress!
                var total = 0.0
                var chunk = 0
                var start = 0
                while start < count {
                    let end = min(start + chunkSize, count)
                    var sum = SIMD8<Float>(repeating: 0)
                    var i = start
                    while i + 8 <= end {
                        let scaled = (FastMath.load(logits + i) - maximum) * inverseTemperature
                        let weight = FastMath.expOfNonPositive(scaled)
                        FastMath.store(weight, to: weights + i)
                        sum += weight
                        i += 8
                    }
                    if i < end {
                        let tail = FastMath.loadTail(
                            logits + i, count: end - i, padding: -.infinity)
                        let weight = FastMath.expOfNonPositive(
                            (tail - maximum) * inverseTemperature)
                        for lane in 0..<end - i {
                            weights[i + lane] = weight[lane]
                        }
                        sum += weight
                    }
                    chunkBuffer[chunk] = Double(sum.sum())
                    total += chunkBuffer[chunk]
                    chunk += 1
                    start = end
                }
                return total
            }
        }
    }

    /// Inverse CDF over all tokens: the first i with Σ_{j<=i} w_j > target, where
    /// 0 <= target < Σw. Scans `chunkSums`, then the tokens of one chunk.
    func drawFromAll(target: Double, count: Int) -> Int {
        let chunkSize = Sampler.chunkSize
        let chunkCount = (count + chunkSize - 1) / chunkSize
        var cumulative = 0.0
        var chunk = 0
        while chunk < chunkCount && cumulative + chunkSums[chunk] <= target {
            cumulative += chunkSums[chunk]
            chunk += 1
        }
        let boundary = NucleusBoundary.everything
        guard chunk < chunkCount else {
            return lastMember(of: boundary, before: count)
        }
        let end = min((chunk + 1) * chunkSize, count)
        return draw(from: chunk * chunkSize..<end, of: boundary, residual: target - cumulative)
    }

    /// Inverse CDF over the nucleus members in id order: the first member i with
    /// Σ_{members j <= i} w_j > target, where 0 <= target < nucleus mass. Scans masked
    /// chunk sums (SIMD), then the tokens of one chunk.
    func drawFromNucleus(_ boundary: NucleusBoundary, target: Double, count: Int) -> Int {
        let chunkSize = Sampler.chunkSize
        let boundaryWeight = SIMD8<Float>(repeating: boundary.weight)
        let lastTied = SIMD8<Int32>(repeating: Int32(clamping: boundary.lastTiedIndex))
        return weights.withUnsafeBufferPointer { buffer in
            let weights = buffer.baseAddress!
            var cumulative = 0.0
            var start = 0
            while start + chunkSize <= count {
                let zero = SIMD8<Float>(repeating: 0)
                var (sum0, sum1) = (zero, zero)
                var index = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &+ Int32(start)
                for i in stride(from: start, to: start + chunkSize, by: 16) {
                    let (v0, v1) = (FastMath.load(weights + i), FastMath.load(weights + i + 8))
                    let in0 =
                        (v0 .> boundaryWeight) .| ((v0 .== boundaryWeight) .& (index .<= lastTied))
                    index &+= 8
                    let in1 =
                        (v1 .> boundaryWeight) .| ((v1 .== boundaryWeight) .& (index .<= lastTied))
                    index &+= 8
                    sum0 += zero.replacing(with: v0, where: in0)
                    sum1 += zero.replacing(with: v1, where: in1)
                }
                let chunkSum = Double((sum0 + sum1).sum())
                if cumulative + chunkSum > target {
                    return draw(
                        from: start..<start + chunkSize, of: boundary, residual: target - cumulative
                    )
                }
                cumulative += chunkSum
                start += chunkSize
            }
            if start < count {
                return draw(from: start..<count, of: boundary, residual: target - cumulative)
            }
            return lastMember(of: boundary, before: count)
        }
    }

    /// The first member i of `range` with Σ_{members j in range, j <= i} w_j > residual;
    /// the last member of the range, or failing that of the row, when rounding leaves
    /// the residual unreached.
    private func draw(from range: Range<Int>, of boundary: NucleusBoundary, residual: Double)
        -> Int
    {
        var cumulative = 0.0
        for i in range where boundary.contains(weight: weights[i], index: i) {
            cumulative += Double(weights[i])
            if cumulative > residual {
                return i
            }
        }
        return lastMember(of: boundary, before: range.upperBound)
    }

    /// Largest i < end in the nucleus with wᵢ > 0; the top token (w = 1) is always one.
    private func lastMember(of boundary: NucleusBoundary, before end: Int) -> Int {
        var i = end - 1
        while i > 0 && !(weights[i] > 0 && boundary.contains(weight: weights[i], index: i)) {
            i -= 1
        }
        return i
    }
}
