/// TreePO's advantage, a tree REINFORCE++ baseline (docs/method.md section 5), on plain
/// numbers.
///
/// Leaf i of a tree has path p_i (child index per level, root first). Its depth-d subtree
/// g_d(i) is the set of leaves whose path starts with p_i[..<d] (d = 0: every leaf of the
/// prompt's tree). For each depth d with |g_d(i)| > 1:
///
///     A_i^(d) = r_i − mean_{j ∈ g_d(i)} r_j
///     Â_i     = mean over those d of A_i^(d)        (0 when there is none)
///
/// A leaf alone in its subtree compares with nothing at that depth and the depth is
/// skipped. A chain of single-child nodes gives equal subtrees at consecutive depths, each
/// counted. The advantage is broadcast to every response token of the leaf (one training
/// sample per leaf); whitening over the batch is the optimizer's.
public enum TreePOAdvantage {
    /// Â_1 … Â_n for leaves with paths `paths` ([n], each non-empty, none a prefix of
    /// another: the leaves of one tree) and rewards `rewards` ([n]). All rewards equal
    /// gives exactly 0 for every leaf.
    public static func advantages(paths: [[Int]], rewards: [Double]) -> [Double] {
        precondition(paths.count == rewards.count, "TreePO advantage: \(paths.count) paths and \(rewards.count) rewards")
        return paths.indices.map { i in
            var terms: [Double] = []
            for d in 0..<paths[i].count {
                let prefix = paths[i][..<d]
                let subtree = paths.indices.filter { paths[$0].starts(with: prefix) }
                guard subtree.count > 1 else { continue }
                terms.append(rewards[i] - TreeAdvantage.mean(subtree.map { rewards[$0] }))
            }
            return terms.isEmpty ? 0 : terms.reduce(0, +) / Double(terms.count)
        }
    }
}
