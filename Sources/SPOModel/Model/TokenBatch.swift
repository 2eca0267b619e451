/// A packed batch of variable-length token sequences, and which next-token positions to score.
///
/// The S sequences are concatenated into one stream of N tokens (no padding); attention stays
/// inside each sequence and positions restart at 0 for each. For sequence s of length L with
/// `scoreStart` a (1 ≤ a ≤ L), the tokens at indices a..<L are scored: token t's
/// log-probability comes from the hidden state at t − 1. Typically a = prompt length, so only
/// response tokens are scored.
public struct TokenBatch: Sendable {
    /// Packed token ids, [N].
    public let tokens: [Int32]
    /// Start of each sequence in `tokens`, [S + 1] (the last entry is N).
    public let sequenceOffsets: [Int]
    /// First scored token index within each sequence, [S].
    public let scoreStarts: [Int]
    /// Position of each packed token within its sequence, [N].
    public let positions: [Int32]
    /// For each scored position r: the packed row of the hidden state that predicts it, [R].
    public let scoredRows: [Int32]
    /// For each scored position r: the token whose log-probability is computed, [R].
    public let targets: [Int32]
    /// Start of each sequence's scored positions in `targets`, [S + 1].
    public let scoredOffsets: [Int]

    /// Packs `sequences`; `scoreStarts[s]` defaults to 1 (score every token after the first).
    public init(sequences: [[Int32]], scoreStarts: [Int]? = nil) throws {
        let starts = scoreStarts ?? Array(repeating: 1, count: sequences.count)
        guard starts.count == sequences.count else {
            throw TokenBatchError("scoreStarts has \(starts.count) entries for \(sequences.count) sequences")
        }
        var tokens: [Int32] = [], offsets = [0], positions: [Int32] = []
        var rows: [Int32] = [], targets: [Int32] = [], scoredOffsets = [0]
        for (s, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty else { throw TokenBatchError("sequence \(s) is empty") }
            guard (1...sequence.count).contains(starts[s]) else {
                throw TokenBatchError("scoreStarts[\(s)] = \(starts[s]) is outside 1...\(sequence.count)")
            }
            let base = tokens.count
            tokens += sequence
            positions += (0..<sequence.count).map { Int32($0) }
            for t in starts[s]..<sequence.count {
                rows.append(Int32(base + t - 1))
                targets.append(sequence[t])
            }
            offsets.append(tokens.count)
            scoredOffsets.append(targets.count)
        }
        self.tokens = tokens
        sequenceOffsets = offsets
        self.scoreStarts = starts
        self.positions = positions
        scoredRows = rows
        self.targets = targets
        self.scoredOffsets = scoredOffsets
    }

    /// N.
    public var tokenCount: Int { tokens.count }
    /// S.
    public var sequenceCount: Int { sequenceOffsets.count - 1 }
    /// R.
    public var scoredCount: Int { targets.count }
    /// Length of sequence s.
    public func length(of s: Int) -> Int { sequenceOffsets[s + 1] - sequenceOffsets[s] }

    /// Checks every token id against the vocabulary size.
    func validate(vocabularySize: Int) throws {
        if let bad = tokens.firstIndex(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw TokenBatchError("token \(tokens[bad]) at packed index \(bad) is outside the vocabulary (size \(vocabularySize))")
        }
    }
}

/// A batch that cannot be packed or does not fit the model.
public struct TokenBatchError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
