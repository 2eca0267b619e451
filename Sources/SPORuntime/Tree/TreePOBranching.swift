import Foundation

/// TreePO's branching arithmetic after each level (docs/method.md section 5), on plain
/// numbers. With W the leaf budget, d the initial copies, `finished` the tree's leaves so
/// far (this level's included), `justFinished` those that stopped at this level and
/// `active` the paths that go on:
///
///     remaining = max(W − finished, 0)
///     total     = max(min(remaining, d · (justFinished + active)), active)
///
/// and `total` children are split among the active paths, each ≥ 1. As long as d ≤ W a
/// tree never exceeds W leaves: finished + active ≤ W holds at the start (0 + d) and every
/// level keeps it, since total ≤ remaining whenever active ≤ remaining.
public enum TreePOBranching {
    /// The children of the next level: `total` above. All counts ≥ 0.
    public static func total(leafBudget: Int, initialCopies: Int, finished: Int, justFinished: Int, active: Int) -> Int {
        let remaining = max(leafBudget - finished, 0)
        return max(min(remaining, initialCopies * (justFinished + active)), active)
    }

    /// Splits `total` children among n paths in proportion to `weights` ([n], n ≥ 1, each
    /// ≥ 0, some > 0), at least one each (total ≥ n).
    ///
    /// Largest-remainder rounding: path i gets ⌊q_i⌋ of its quota q_i = total · w_i / Σw,
    /// and the children left over go one each to the largest fractional parts q_i − ⌊q_i⌋
    /// (ties: the lower index). A path left with 0 then gets 1, taken from the path with
    /// more than one child that is furthest above its quota (largest c_j − q_j; ties: the
    /// higher index). Equal weights split evenly, the first `total mod n` paths getting
    /// one more.
    ///
    /// - Returns: c_1 … c_n, [n], each ≥ 1, summing to `total`.
    public static func split(_ total: Int, weights: [Double]) -> [Int] {
        let n = weights.count
        precondition(n >= 1 && total >= n, "TreePO branching: \(total) children cannot give each of \(n) paths one")
        let sum = weights.reduce(0, +)
        precondition(weights.allSatisfy { $0 >= 0 } && sum > 0 && sum.isFinite,
                     "TreePO branching weights must be finite, >= 0 and not all 0: \(weights)")
        let quotas = weights.map { Double(total) * $0 / sum }
        var counts = quotas.map { Int($0.rounded(.down)) }
        let byRemainder = (0..<n).sorted {
            let a = quotas[$0] - Double(counts[$0]), b = quotas[$1] - Double(counts[$1])
            return a != b ? a > b : $0 < $1
        }
        for i in byRemainder.prefix(total - counts.reduce(0, +)) { counts[i] += 1 }
        for i in 0..<n where counts[i] == 0 {
            let donor = (0..<n).filter { counts[$0] > 1 }.max {
                let a = Double(counts[$0]) - quotas[$0], b = Double(counts[$1]) - quotas[$1]
                return a != b ? a < b : $0 < $1
            }!
            counts[donor] -= 1
            counts[i] = 1
        }
        return counts
    }

    /// The `logprob` mode's weights: w_i = softmax(−logp_i / T)_i over the paths, [n],
    /// summing to 1, where logp_i is path i's latest segment mean token log-probability
    /// (a low-probability, uncertain segment gets more children). T > 0.
    public static func logprobWeights(_ logProbabilities: [Double], temperature: Double) -> [Double] {
        precondition(temperature > 0, "TreePO logprob_temperature must be > 0, got \(temperature)")
        let scores = logProbabilities.map { -$0 / temperature }
        let top = scores.max() ?? 0
        let exponentials = scores.map { exp($0 - top) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }
}
