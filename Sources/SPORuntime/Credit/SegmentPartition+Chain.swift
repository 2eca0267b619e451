import Foundation
import SPOWire

/// Segment partitions of a sampled response for chain methods (docs/method.md section 2).
///
/// A partition is given by its segment starts: response token indices s_0 < s_1 < …; the
/// boundary state b_j is the state just before token s_j (prompt plus response tokens
/// 0..<s_j), where the value stage estimates V̂(b_j). Segment j runs from s_j to s_{j+1}
/// (or the end). Tokens before s_0 form a pre-segment whose advantage is 0.
extension SegmentPartition {
    /// Probability cutpoints (SPO-chain). p_t = exp(log π_old(y_t)) at the sampling
    /// temperature (no top-p); token t is low-probability when p_t < τ. With l_0 < l_1 < …
    /// the low-probability indices, the starts are l_0, l_K, l_2K, … (K = `interval`), so each
    /// segment begins at a low-probability token and holds K of them (the last runs to the
    /// end). No low-probability token: no segment (every advantage 0).
    ///
    /// - Parameters:
    ///   - oldLogProbabilities: log π_old(y_t) of the response tokens, [R].
    ///   - threshold: τ in (0, 1] (0.9).
    ///   - interval: K ≥ 1 (5).
    /// - Returns: segment starts, ascending.
    public static func cutpoints(oldLogProbabilities: [Float], threshold: Double, interval: Int) -> [Int] {
        precondition(interval >= 1, "cutpoint interval must be at least 1, found \(interval)")
        let logThreshold = Foundation.log(threshold)
        let low = oldLogProbabilities.indices.filter { Double(oldLogProbabilities[$0]) < logThreshold }
        return stride(from: 0, to: low.count, by: interval).map { low[$0] }
    }

    /// `segments` chunks of (nearly) equal length: starts ⌊j·R/n⌋ for j < n, duplicates
    /// removed when R < n (the "naive" ablation).
    public static func fixed(responseLength: Int, segments: Int) -> [Int] {
        precondition(segments >= 1, "fixed partition needs at least one segment, found \(segments)")
        guard responseLength > 0 else { return [] }
        var starts: [Int] = []
        for j in 0..<segments {
            let start = j * responseLength / segments
            if starts.last != start { starts.append(start) }
        }
        return starts
    }

    /// A boundary every M tokens: starts 0, M, 2M, … below R.
    public static func everyTokens(responseLength: Int, tokens: Int) -> [Int] {
        precondition(tokens >= 1, "interval_tokens must be at least 1, found \(tokens)")
        return Array(stride(from: 0, to: responseLength, by: tokens))
    }
}

/// Chain advantages (SPO-chain, VinePPO; docs/method.md section 3).
public enum ChainAdvantage {
    /// A_j = V̂(b_{j+1}) − V̂(b_j) with V̂(b_J) = R(τ), the trajectory's own reward, after
    /// the last segment.
    ///
    /// - Parameters:
    ///   - boundaryValues: V̂(b_0) … V̂(b_{J−1}), one per segment start, [J].
    ///   - reward: R(τ) (0 for a truncated response).
    /// - Returns: A_0 … A_{J−1}, [J].
    public static func segmentAdvantages(boundaryValues: [Double], reward: Double) -> [Double] {
        boundaryValues.indices.map { j in
            (j + 1 < boundaryValues.count ? boundaryValues[j + 1] : reward) - boundaryValues[j]
        }
    }

    /// Per-token advantages [R]: every token of segment j carries A_j (γ = 1, no
    /// intermediate rewards); tokens before the first start carry 0.
    public static func tokenAdvantages(responseLength: Int, segmentStarts: [Int], advantages: [Double]) -> [Float] {
        precondition(segmentStarts.count == advantages.count,
                     "\(segmentStarts.count) segment starts for \(advantages.count) advantages")
        var result = [Float](repeating: 0, count: responseLength)
        for (j, start) in segmentStarts.enumerated() {
            let end = j + 1 < segmentStarts.count ? segmentStarts[j + 1] : responseLength
            for t in start..<end { result[t] = Float(advantages[j]) }
        }
        return result
    }
}

extension ChainAdvantage {
    /// Per-token advantages [R] of a valued rollout: segments k from
    /// `first_credited_segment` to S − 1 carry A_k = V̂(b_{k+1}) − V̂(b_k) with the wire's
    /// V̂(b_S) (the value stage sets it to R(τ)); earlier segments carry 0. Nil when the
    /// rollout has no boundary values.
    public static func tokenAdvantages(_ valued: ValuedRollout) -> [Float]? {
        let segmented = valued.segmented
        let values = valued.boundaryValues.floatValues.map(Double.init)
        guard values.count == segmented.boundaries.elementCount else { return nil }
        let offsets = segmented.boundaries.int32Values.map(Int.init)
        let credited = segmented.firstCreditedSegment..<segmented.segmentCount
        let advantages = segmentAdvantages(
            boundaryValues: Array(values[credited]), reward: values[segmented.segmentCount])
        return tokenAdvantages(
            responseLength: segmented.rollout.responseLength, segmentStarts: Array(offsets[credited]),
            advantages: advantages)
    }
}
