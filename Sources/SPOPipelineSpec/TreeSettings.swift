/// The sampling tree of the tree methods (method.md sections 4 and 5); JSON
/// `{"kind": "spo_tree", "branching": [6, 6, 6], "segment_tokens": 30}` or
/// `{"kind": "treepo", "initial_copies": 2, "leaf_budget": 16, …}`.
public enum TreeSettings: Sendable, Equatable, Codable {
    /// SPO-tree's fixed-shape tree.
    case spoTree(SPOTreeSettings)
    /// TreePO's segment-wise adaptive tree.
    case treePO(TreePOSettings)

    /// The case's kind.
    public var kind: TreeKind {
        switch self {
        case .spoTree: return .spoTree
        case .treePO: return .treePO
        }
    }

    /// Tokens per segment (per tree level).
    public var segmentTokens: Int {
        switch self {
        case .spoTree(let settings): return settings.segmentTokens
        case .treePO(let settings): return settings.segmentTokens
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind
    }

    /// Decodes `{"kind": …, parameters}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(TreeKind.self, forKey: .kind) {
        case .spoTree: self = .spoTree(try SPOTreeSettings(from: decoder))
        case .treePO: self = .treePO(try TreePOSettings(from: decoder))
        }
    }

    /// Encodes `{"kind": …, parameters}` (one object: the parameters share it).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .spoTree(let settings): try settings.encode(to: encoder)
        case .treePO(let settings): try settings.encode(to: encoder)
        }
    }
}

/// SPO-tree: a tree per prompt with `branching[d]` children per node at level d + 1;
/// levels 1 … D−1 are segments of exactly `segmentTokens` tokens and the last level runs
/// to EOS or `sampling.max_tokens` (D = `branching.count`). A child that ends early is a
/// leaf. 6-6-6 decodes 6 + 36 + 216 segments, children sharing the parent's KV cache.
public struct SPOTreeSettings: Sendable, Equatable, Codable {
    /// Children per node at each level, root first; each >= 2 (one child would carry
    /// advantage 0). Its length is the tree's depth.
    public var branching: [Int]
    /// Tokens in each segment but the last (M; 30 in the reference for GSM8K-length answers).
    public var segmentTokens: Int

    /// Creates the settings; `spo validate` checks the ranges.
    public init(branching: [Int], segmentTokens: Int) {
        self.branching = branching
        self.segmentTokens = segmentTokens
    }

    /// The depth D of the tree: `branching.count`.
    public var maxDepth: Int { branching.count }

    /// Leaves of a tree in which no path ends early: the product of `branching`.
    public var fullTreeLeaves: Int { branching.reduce(1, *) }

    enum CodingKeys: String, CodingKey {
        case branching
        case segmentTokens = "segment_tokens"
    }
}

/// TreePO: every level decodes one `segmentTokens`-token segment for every live path,
/// starting from `initialCopies` copies of the prompt and branching after each level
/// while fewer than `leafBudget` leaves exist:
///
///     remaining = max(W − finished, 0)
///     total     = max(min(remaining, d · (just_finished + active)), active)
///
/// split among the active paths evenly (`fixed`) or ∝ softmax(−logp_i / T) (`logprob`),
/// largest-remainder rounding, at least 1 each.
public struct TreePOSettings: Sendable, Equatable, Codable {
    /// d: copies of the prompt at the root, also the branching multiplier (2).
    public var initialCopies: Int
    /// W: the most leaves per prompt (16).
    public var leafBudget: Int
    /// The most levels; a path at this depth stops.
    public var maxDepth: Int
    /// L: tokens per level.
    public var segmentTokens: Int
    /// How branches are split among the active paths.
    public var branchingMode: TreeBranchingMode
    /// T in softmax(−logp_i / T) for `logprob` branching.
    public var logprobTemperature: Double
    /// The repetition stop.
    public var repetition: RepetitionCheck
    /// Whether a prompt with no active path and fewer than W leaves restarts from a
    /// finished leaf cut at a random segment boundary.
    public var fallback: Bool

    /// Creates the settings; `spo validate` checks the ranges.
    public init(
        initialCopies: Int, leafBudget: Int, maxDepth: Int, segmentTokens: Int,
        branchingMode: TreeBranchingMode, logprobTemperature: Double,
        repetition: RepetitionCheck, fallback: Bool
    ) {
        self.initialCopies = initialCopies
        self.leafBudget = leafBudget
        self.maxDepth = maxDepth
        self.segmentTokens = segmentTokens
        self.branchingMode = branchingMode
        self.logprobTemperature = logprobTemperature
        self.repetition = repetition
        self.fallback = fallback
    }

    enum CodingKeys: String, CodingKey {
        case initialCopies = "initial_copies"
        case leafBudget = "leaf_budget"
        case maxDepth = "max_depth"
        case segmentTokens = "segment_tokens"
        case branchingMode = "branching_mode"
        case logprobTemperature = "logprob_temperature"
        case repetition, fallback
    }
}

/// TreePO's repetition stop: a path stops when some `substringCharacters`-character
/// substring occurs `minOccurrences` times or more in its latest segment.
public struct RepetitionCheck: Sendable, Equatable, Codable {
    /// Whether the check runs.
    public var enabled: Bool
    /// Length of the repeated substring in characters (32).
    public var substringCharacters: Int
    /// Occurrences that count as repetition (8).
    public var minOccurrences: Int

    /// Creates the check; `spo validate` checks the ranges.
    public init(enabled: Bool, substringCharacters: Int, minOccurrences: Int) {
        self.enabled = enabled
        self.substringCharacters = substringCharacters
        self.minOccurrences = minOccurrences
    }

    enum CodingKeys: String, CodingKey {
        case enabled
        case substringCharacters = "substring_characters"
        case minOccurrences = "min_occurrences"
    }
}
