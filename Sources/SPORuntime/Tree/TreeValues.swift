import SPOPipelineSpec

/// The nested values of one SPO-tree rebuilt from its leaves, and its edges with their
/// advantages (docs/method.md section 4; arithmetic in `TreeAdvantage`).
///
/// A node is named by its path (child index per level, root first; the root is `[]`).
/// Leaf value = reward; node value = mean of its children's values, children in
/// ascending index order. The value and advantage stages receive a tree as its leaves
/// (one rollout each) and rebuild it here.
public struct TreeValues: Sendable {
    /// The leaves as given.
    public let leaves: [TreeLeaf]
    /// V of every node, by path.
    public let values: [[Int]: Double]
    /// The child indices of every inner node, ascending, by path.
    public let children: [[Int]: [Int]]
    /// For every non-root node, the first leaf (in `leaves` order) of its subtree.
    private let firstLeaf: [[Int]: Int]

    /// Rebuilds the tree of `leaves`.
    ///
    /// - Throws: `RuntimeError` naming the leaf when the leaves are empty, a leaf's shapes
    ///   are wrong (see `TreeLeaf`), two leaves have the same path, a leaf's path is an
    ///   inner node of another, or two leaves disagree on a segment they share (its end,
    ///   tokens or log-probabilities).
    public init(leaves: [TreeLeaf]) throws {
        guard !leaves.isEmpty else { throw RuntimeError("a tree needs at least one leaf") }
        var values: [[Int]: Double] = [:], leafIndex: [[Int]: Int] = [:]
        for (i, leaf) in leaves.enumerated() {
            try leaf.validate(index: i)
            if let j = leafIndex.updateValue(i, forKey: leaf.path) {
                throw RuntimeError("tree leaves \(j) and \(i) have the same path \(leaf.path)")
            }
            values[leaf.path] = leaf.reward
        }
        var firstLeaf: [[Int]: Int] = [:]
        var children: [[Int]: Set<Int>] = [:]
        for (i, leaf) in leaves.enumerated() {
            for d in 1...leaf.depth {
                let node = Array(leaf.path[..<d])
                children[Array(node.dropLast()), default: []].insert(node[d - 1])
                guard let j = firstLeaf[node] else {
                    firstLeaf[node] = i
                    continue
                }
                try Self.checkSharedSegment(leaves[j], leaf, depth: d, indices: (j, i))
            }
        }
        for (i, leaf) in leaves.enumerated() where children[leaf.path] != nil {
            throw RuntimeError("tree leaf \(i) has path \(leaf.path), which is an inner node of leaf \(firstLeaf[leaf.path + [children[leaf.path]!.min()!]]!)")
        }
        let sortedChildren = children.mapValues { $0.sorted() }
        for node in sortedChildren.keys.sorted(by: { $0.count > $1.count }) {
            values[node] = TreeAdvantage.mean(sortedChildren[node]!.map { values[node + [$0]]! })
        }
        self.leaves = leaves
        self.values = values
        self.children = sortedChildren
        self.firstLeaf = firstLeaf
    }

    /// Leaves `a` and `b` (indices `indices`) share the depth-`d` node: its segment must
    /// end at the same offset with the same tokens and log-probabilities.
    private static func checkSharedSegment(_ a: TreeLeaf, _ b: TreeLeaf, depth d: Int, indices: (Int, Int)) throws {
        let start = a.boundaries[d - 1], end = a.boundaries[d]
        guard b.boundaries[d] == end,
              a.responseTokens[start..<end] == b.responseTokens[start..<end],
              a.logProbabilities[start..<end] == b.logProbabilities[start..<end]
        else {
            throw RuntimeError("tree leaves \(indices.0) and \(indices.1) share node \(Array(a.path[..<d])) but disagree on its segment (tokens \(start)..<\(end) vs \(b.boundaries[d - 1])..<\(b.boundaries[d]), or their ids or log-probabilities)")
        }
    }

    /// V(root).
    public var rootValue: Double { values[[]]! }

    /// V at each boundary of leaf `index`: V(root), V(depth-1 node), …, V(leaf) = reward,
    /// [d + 1], aligned with the leaf's `boundaries`.
    public func boundaryValues(ofLeaf index: Int) -> [Double] {
        let path = leaves[index].path
        return (0...path.count).map { values[Array(path[..<$0])]! }
    }

    /// The advantage of each edge on the path of leaf `index`, root first, [d]: segment j
    /// (tokens `boundaries[j] ..< boundaries[j + 1]`) carries entry j. Edges are shared
    /// between leaves; for training use `edges`, which lists each once.
    public func pathAdvantages(ofLeaf index: Int, form: TreeAdvantageForm, stdEpsilon: Double) -> [Double] {
        let path = leaves[index].path
        return (1...path.count).map { advantage(of: Array(path[..<$0]), form: form, stdEpsilon: stdEpsilon) }
    }

    /// The advantage of the edge into node `path` (non-root).
    private func advantage(of path: [Int], form: TreeAdvantageForm, stdEpsilon: Double) -> Double {
        let parent = Array(path.dropLast()), siblings = children[parent]!
        let advantages = TreeAdvantage.edgeAdvantages(
            siblingValues: siblings.map { values[parent + [$0]]! }, form: form, stdEpsilon: stdEpsilon)
        return advantages[siblings.firstIndex(of: path.last!)!]
    }

    /// Every edge of the tree once, ordered by its child's path (lexicographic, so a
    /// parent's edge comes before its children's). Callers drop the edges whose
    /// `isZero` is true.
    public func edges(form: TreeAdvantageForm, stdEpsilon: Double) -> [TreeEdge] {
        var result: [TreeEdge] = []
        for (parent, indices) in children {
            let advantages = TreeAdvantage.edgeAdvantages(
                siblingValues: indices.map { values[parent + [$0]]! }, form: form, stdEpsilon: stdEpsilon)
            for (index, advantage) in zip(indices, advantages) {
                let path = parent + [index], leafIndex = firstLeaf[path]!, leaf = leaves[leafIndex]
                let start = leaf.boundaries[path.count - 1], end = leaf.boundaries[path.count]
                result.append(TreeEdge(
                    path: path, leafIndex: leafIndex, ancestorTokens: Array(leaf.responseTokens[..<start]),
                    tokens: Array(leaf.responseTokens[start..<end]),
                    oldLogProbabilities: Array(leaf.logProbabilities[start..<end]),
                    parentValue: values[parent]!, childValue: values[path]!, advantage: advantage))
            }
        }
        return result.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    }
}
