/// Batched prefill and incremental decode over a paged, forkable key/value cache.
///
/// Each live sequence owns a list of cache blocks (see `KVCachePool`), its tokens, and the
/// logits [V] of its next token. `extend` appends tokens to several sequences in one packed
/// forward pass (a prefill when many tokens, a decode step when one each); `fork` gives a
/// sequence k children that share its cached prefix and its next-token logits, so tree
/// sampling decodes each shared prefix once.
///
/// Attention per sequence: a single new token (decode) runs a SIMD kernel directly over the
/// cache blocks; several new tokens gather the sequence's keys and values into contiguous
/// scratch and use sgemm. Not thread-safe.
public final class InferenceEngine: @unchecked Sendable {
    /// Identifies a live sequence of this engine.
    public struct SequenceID: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public var description: String { "sequence \(rawValue)" }
    }

    struct SequenceState {
        var blocks: [Int32] = []
        var tokens: [Int32] = []
        /// Logits of the next token [V]; nil before the first extend.
        var nextLogits: [Float]?
    }

    public let model: LlamaModel
    public let cache: KVCachePool
    private var sequences: [Int: SequenceState] = [:]
    private var nextID = 0
    let workspace = Workspace()

    public init(model: LlamaModel, blockSize: Int = 16) {
        self.model = model
        cache = KVCachePool(layerCount: model.config.layerCount, width: model.config.keyValueWidth,
                            blockSize: blockSize)
    }

    /// Number of live sequences.
    public var sequenceCount: Int { sequences.count }

    /// Creates sequences for `prompts` and runs their prefill in one batch.
    public func prefill(_ prompts: [[Int32]]) throws -> [SequenceID] {
        let ids = prompts.map { _ in makeSequence() }
        do {
            _ = try extend(ids, with: prompts)
        } catch {
            ids.forEach(release)
            throw error
        }
        return ids
    }

    /// An empty sequence (extend it to give it tokens).
    public func makeSequence() -> SequenceID {
        nextID += 1
        sequences[nextID] = SequenceState()
        return SequenceID(rawValue: nextID)
    }

    /// `count` children of `id`, sharing its cached blocks, tokens and next-token logits.
    public func fork(_ id: SequenceID, count: Int) throws -> [SequenceID] {
        let parent = try state(id)
        parent.blocks.forEach { block in (0..<count).forEach { _ in cache.retain(block) } }
        return (0..<count).map { _ in
            nextID += 1
            sequences[nextID] = parent
            return SequenceID(rawValue: nextID)
        }
    }

    /// Frees a sequence's reference to its blocks; unknown ids are ignored.
    public func release(_ id: SequenceID) {
        guard let state = sequences.removeValue(forKey: id.rawValue) else { return }
        state.blocks.forEach(cache.release)
    }

    /// All tokens of a sequence (prompt and generated).
    public func tokens(of id: SequenceID) throws -> [Int32] { try state(id).tokens }

    /// Logits of the sequence's next token [V], scaled by nothing (temperature is the sampler's).
    public func nextLogits(of id: SequenceID) throws -> [Float] {
        guard let logits = try state(id).nextLogits else {
            throw InferenceError("\(id) has no tokens yet: extend it first")
        }
        return logits
    }

    func state(_ id: SequenceID) throws -> SequenceState {
        guard let state = sequences[id.rawValue] else { throw InferenceError("unknown or released \(id)") }
        return state
    }

    /// Which logits `extend` returns.
    public enum LogitsRequest: Sendable { case lastOnly, all }

    /// Appends `tokens[i]` to sequence `ids[i]` (one packed forward pass) and updates each
    /// sequence's next-token logits.
    ///
    /// - Returns: with `.all`, the logits of every new position, [Σ n_i][V] sequence by
    ///   sequence (row j of sequence i predicts the token after its j-th new token); with
    ///   `.lastOnly`, an empty array.
    @discardableResult
    public func extend(_ ids: [SequenceID], with tokens: [[Int32]], logits request: LogitsRequest = .lastOnly)
        throws -> [[Float]]
    {
        guard ids.count == tokens.count else {
            throw InferenceError("extend got \(ids.count) sequences and \(tokens.count) token lists")
        }
        guard Set(ids).count == ids.count else { throw InferenceError("extend got the same sequence twice") }
        let c = model.config
        var states = try ids.map(state)
        for (i, new) in tokens.enumerated() {
            guard !new.isEmpty else { throw InferenceError("extend of \(ids[i]) with no tokens") }
            if let bad = new.first(where: { $0 < 0 || Int($0) >= c.vocabularySize }) {
                throw InferenceError("token \(bad) for \(ids[i]) is outside the vocabulary (size \(c.vocabularySize))")
            }
            let total = states[i].tokens.count + new.count
            guard total <= c.maximumPositions else {
                throw InferenceError("\(ids[i]) would reach \(total) tokens, more than max_position_embeddings (\(c.maximumPositions))")
            }
        }
        for i in states.indices { reserveSlots(&states[i], adding: tokens[i].count) }
        let step = DecodeStep(states: states, newTokens: tokens)
        let rows = request == .all ? Array(0..<step.tokenCount) : step.lastRows
        let logits = run(step, logitRows: rows)
        let V = c.vocabularySize
        var result: [[Float]] = []
        for (i, id) in ids.enumerated() {
            states[i].tokens += tokens[i]
            let last = request == .all ? step.lastRows[i] : i
            states[i].nextLogits = Array(UnsafeBufferPointer(start: logits + last * V, count: V))
            sequences[id.rawValue] = states[i]
        }
        if request == .all {
            result = (0..<step.tokenCount).map { Array(UnsafeBufferPointer(start: logits + $0 * V, count: V)) }
        }
        return result
    }

    /// Makes sure the blocks covering the next `adding` positions exist and are private.
    private func reserveSlots(_ state: inout SequenceState, adding: Int) {
        let length = state.tokens.count, bs = cache.blockSize
        if length % bs != 0, let last = state.blocks.last, cache.isShared(last) {
            let copy = cache.copy(last)
            cache.release(last)
            state.blocks[state.blocks.count - 1] = copy
        }
        let needed = (length + adding + bs - 1) / bs
        while state.blocks.count < needed { state.blocks.append(cache.allocate()) }
    }
}

/// An inference call that cannot be carried out; says which sequence and why.
public struct InferenceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
