import SPOPipelineSpec

/// SPO-tree's optional replay buffer (docs/method.md section 4): training edges of
/// earlier iterations train again, at most `maxEdgesPerPrompt` per prompt per iteration,
/// none older than `maxAge` iterations.
///
/// An edge added at iteration i is replayed at iterations i + 1 … i + maxAge and
/// discarded after that. Items are whatever the caller trains on (a `TreeEdge` with its
/// prompt, or its `TrainingSample`). `add` keeps the first `maxEdgesPerPrompt` items of a
/// (prompt, iteration) in the order given, so the caller decides which edges matter most
/// (for example by |A|, after dropping the edges with A = 0).
public struct EdgeReplayBuffer<Item: Sendable>: Sendable {
    /// One stored item with where it came from.
    public struct Entry: Sendable {
        /// The prompt whose tree the item came from.
        public let promptID: String
        /// The iteration that sampled it.
        public let iteration: Int
        /// The stored item.
        public let item: Item
    }

    /// The most items kept per prompt per iteration, ≥ 1.
    public let maxEdgesPerPrompt: Int
    /// Iterations an item is replayed after the one that sampled it, ≥ 1.
    public let maxAge: Int
    /// Stored items, oldest iteration first, each (prompt, iteration) in the order added.
    public private(set) var entries: [Entry] = []

    /// An empty buffer.
    public init(maxEdgesPerPrompt: Int, maxAge: Int) {
        precondition(maxEdgesPerPrompt >= 1 && maxAge >= 1,
                     "replay buffer: max_edges_per_prompt \(maxEdgesPerPrompt) and max_age \(maxAge) must be >= 1")
        self.maxEdgesPerPrompt = maxEdgesPerPrompt
        self.maxAge = maxAge
    }

    /// An empty buffer with the spec's limits.
    public init(settings: ReplayBuffer) {
        self.init(maxEdgesPerPrompt: settings.maxEdgesPerPrompt, maxAge: settings.maxAge)
    }

    /// Stores `items` of `promptID` sampled at `iteration`, in preference order, up to
    /// `maxEdgesPerPrompt` for that (prompt, iteration) counting those already stored.
    public mutating func add(_ items: [Item], promptID: String, iteration: Int) {
        let stored = entries.lazy.filter { $0.promptID == promptID && $0.iteration == iteration }.count
        let kept = items.prefix(max(maxEdgesPerPrompt - stored, 0))
        let entriesAdded = kept.map { Entry(promptID: promptID, iteration: iteration, item: $0) }
        let position = entries.firstIndex { $0.iteration > iteration } ?? entries.endIndex
        entries.insert(contentsOf: entriesAdded, at: position)
    }

    /// Discards the items too old to replay at `iteration`: those sampled before
    /// `iteration − maxAge`.
    public mutating func discardExpired(at iteration: Int) {
        entries.removeAll { $0.iteration < iteration - maxAge }
    }

    /// The items to train again at `iteration`: those sampled at iterations
    /// `iteration − maxAge ..< iteration`, oldest first.
    public func replay(at iteration: Int) -> [Item] {
        entries.filter { (iteration - maxAge..<iteration).contains($0.iteration) }.map(\.item)
    }
}
