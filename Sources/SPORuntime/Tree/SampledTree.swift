import SPOModel

/// One node of a sampled SPO-tree: a segment of response tokens continuing its parent's
/// (docs/method.md section 4). The root holds the prompt and no segment.
public struct SampledTreeNode: Sendable, Equatable {
    /// The child index taken at each level, root first, [d]; `[]` for the root.
    public let path: [Int]
    /// Index of the parent in `SampledTree.nodes`; nil for the root.
    public let parent: Int?
    /// Indices of the children in `SampledTree.nodes`, by child index; empty for a leaf.
    public internal(set) var children: [Int] = []
    /// Response tokens before this segment (the ancestors' segments).
    public let responseStart: Int
    /// The segment's tokens as generated, [n] (an ending EOS token included).
    public let tokens: [Int32]
    /// log π_old of each segment token as `InferenceEngine.generate` returned it, [n].
    public let logProbabilities: [Float]
    /// Why the segment's generation stopped; nil for the root. `.maxTokens` on an inner
    /// node means the segment reached M tokens; on a leaf it means the response reached
    /// the length limit (`truncated`), or for TreePO also the depth limit or repetition
    /// (`TreePOTree.stopReasons` says which). `.stopString` marks a TreePO leaf cut after
    /// its answer line.
    public let stopReason: StopReason?
    /// Whether no child continues this node (it ended with EOS or a stop string, reached
    /// the length limit, or is at the last level).
    public let isLeaf: Bool
    /// Whether the response ends here because it reached the length limit without
    /// ending by itself: its reward is that of a truncated response (0).
    public let truncated: Bool
    /// The leaf's reward; nil on inner nodes.
    public internal(set) var reward: Double?

    /// The node's depth d (0 for the root).
    public var depth: Int { path.count }
    /// Response tokens up to the end of this segment.
    public var responseEnd: Int { responseStart + tokens.count }

    /// The root: the prompt, nothing generated.
    static let root = SampledTreeNode(
        path: [], parent: nil, responseStart: 0, tokens: [], logProbabilities: [], stopReason: nil,
        isLeaf: false, truncated: false)

    init(path: [Int], parent: Int?, responseStart: Int, tokens: [Int32], logProbabilities: [Float],
         stopReason: StopReason?, isLeaf: Bool, truncated: Bool) {
        self.path = path
        self.parent = parent
        self.responseStart = responseStart
        self.tokens = tokens
        self.logProbabilities = logProbabilities
        self.stopReason = stopReason
        self.isLeaf = isLeaf
        self.truncated = truncated
    }
}

/// The SPO-tree sampled for one prompt (`SPOTreeSampler` builds it).
///
/// `nodes[0]` is the root; the other nodes follow level by level, each level in the order
/// of its parents and then of the child index (breadth first). A node's full sequence is
/// the prompt followed by the segments on its path.
public struct SampledTree: Sendable, Equatable {
    /// The prompt's tokens, [P].
    public let prompt: [Int32]
    /// The group the tree belongs to; seeds are derived from it (`SPOTreeSampler.seedName`).
    public let groupID: String
    /// Every node, root first, breadth first.
    public internal(set) var nodes: [SampledTreeNode]

    init(prompt: [Int32], groupID: String) {
        self.prompt = prompt
        self.groupID = groupID
        nodes = [.root]
    }

    /// Indices of the leaves in `nodes`, ordered by path (lexicographically).
    public var leafIndices: [Int] {
        nodes.indices.filter { nodes[$0].isLeaf }.sorted { nodes[$0].path.lexicographicallyPrecedes(nodes[$1].path) }
    }

    /// The node and its ancestors below the root, root side first.
    public func pathNodes(to index: Int) -> [Int] {
        var chain: [Int] = [], current = index
        while let parent = nodes[current].parent {
            chain.append(current)
            current = parent
        }
        return chain.reversed()
    }

    /// The response up to the end of node `index`: its ancestors' segments and its own.
    public func responseTokens(of index: Int) -> [Int32] { pathNodes(to: index).flatMap { nodes[$0].tokens } }

    /// log π_old of `responseTokens(of:)`.
    public func responseLogProbabilities(of index: Int) -> [Float] {
        pathNodes(to: index).flatMap { nodes[$0].logProbabilities }
    }

    /// The leaves as the pipeline ships them (ordered by path); rewards must be set.
    public var leaves: [TreeLeaf] {
        leafIndices.map { index in
            let chain = pathNodes(to: index)
            return TreeLeaf(
                path: nodes[index].path, boundaries: [0] + chain.map { nodes[$0].responseEnd },
                responseTokens: responseTokens(of: index), logProbabilities: responseLogProbabilities(of: index),
                reward: nodes[index].reward!)
        }
    }

    /// What sampling this tree decoded, against independent sampling of its leaves.
    public var cost: TreeSamplingCost {
        let segments = nodes.dropFirst()
        let leaves = nodes.filter(\.isLeaf)
        return TreeSamplingCost(
            trees: 1, leaves: leaves.count, decodedSegments: segments.count,
            independentSegments: leaves.reduce(0) { $0 + $1.depth },
            decodedTokens: segments.reduce(0) { $0 + $1.tokens.count },
            independentTokens: leaves.reduce(0) { $0 + $1.responseEnd })
    }
}

/// Decoding done by tree sampling against independent sampling of the same leaves
/// (docs/method.md section 4: prefix sharing makes a full 6-6-6 tree decode
/// 6 + 36 + 216 = 258 segments instead of 216 × 3 = 648). Every node's segment is decoded
/// once; an independent sample of a leaf decodes all the segments on its path. Prompt
/// prefill is not counted (both prefill a prompt once and fork it).
public struct TreeSamplingCost: Sendable, Equatable {
    /// Trees and leaves counted.
    public var trees: Int
    public var leaves: Int
    /// Segments decoded: the nodes other than the roots.
    public var decodedSegments: Int
    /// Segments independent sampling would decode: Σ over leaves of their depth.
    public var independentSegments: Int
    /// Tokens decoded: Σ over non-root nodes of their segment length.
    public var decodedTokens: Int
    /// Tokens independent sampling would decode: Σ over leaves of their response length.
    public var independentTokens: Int

    /// A cost; `SampledTree.cost` computes it.
    public init(trees: Int, leaves: Int, decodedSegments: Int, independentSegments: Int,
                decodedTokens: Int, independentTokens: Int) {
        self.trees = trees
        self.leaves = leaves
        self.decodedSegments = decodedSegments
        self.independentSegments = independentSegments
        self.decodedTokens = decodedTokens
        self.independentTokens = independentTokens
    }

    /// No tree.
    public static let zero = TreeSamplingCost(
        trees: 0, leaves: 0, decodedSegments: 0, independentSegments: 0, decodedTokens: 0, independentTokens: 0)

    /// The costs of two sets of trees together.
    public static func + (a: TreeSamplingCost, b: TreeSamplingCost) -> TreeSamplingCost {
        TreeSamplingCost(
            trees: a.trees + b.trees, leaves: a.leaves + b.leaves,
            decodedSegments: a.decodedSegments + b.decodedSegments,
            independentSegments: a.independentSegments + b.independentSegments,
            decodedTokens: a.decodedTokens + b.decodedTokens, independentTokens: a.independentTokens + b.independentTokens)
    }

    /// 1 − decoded / independent tokens: the fraction of decoding that sharing saved
    /// (0 when nothing would be decoded).
    public var savedTokenFraction: Double {
        independentTokens == 0 ? 0 : 1 - Double(decodedTokens) / Double(independentTokens)
    }
}
